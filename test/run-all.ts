/**
 * Runs the whole suite once per backend leg and prints one closing line: `N passed, N failed`.
 *   sqlite+local:   SQLite file, in-database job queue (the embedded defaults)
 *   postgres+redis: PostgreSQL database, BullMQ on Redis (scale-out)
 * Extra arguments go to `bun test` (e.g. a file filter). Outside CI a leg whose service is down is skipped
 * with a warning; with CI=true it counts as a failure.
 */
import { SQL } from "bun";
import { PG_ADMIN_URL, TEST_REDIS_URL } from "./helpers/env.ts";

const legs = [
  { name: "sqlite+local", env: { CRITIQUE_TEST_DB: "sqlite", CRITIQUE_TEST_QUEUE: "local" }, needs: [] as string[] },
  { name: "postgres+redis", env: { CRITIQUE_TEST_DB: "postgres", CRITIQUE_TEST_QUEUE: "redis" }, needs: ["postgres", "redis"] },
];
const only = process.env.CRITIQUE_TEST_LEGS?.split(",");

async function reachable(service: string): Promise<boolean> {
  try {
    if (service === "postgres") {
      const sql = new SQL(PG_ADMIN_URL, { connectionTimeout: 3 });
      await sql`SELECT 1`;
      await sql.close();
      return true;
    }
    const { hostname, port } = new URL(TEST_REDIS_URL);
    const socket = await Bun.connect({ hostname, port: Number(port || 6379), socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

let passed = 0;
let failed = 0;
for (const leg of legs) {
  if (only && !only.includes(leg.name)) continue;
  const down = [];
  for (const service of leg.needs) if (!(await reachable(service))) down.push(service);
  if (down.length) {
    const message = `leg ${leg.name}: ${down.join(" and ")} not reachable`;
    if (process.env.CI) {
      console.error(`${message}: failing (CI)`);
      failed++;
    } else console.error(`${message}: skipped (start them to run it)`);
    continue;
  }
  console.log(`\n=== leg ${leg.name}`);
  const proc = Bun.spawn(["bun", "test", "--timeout=30000", ...process.argv.slice(2)], { env: { ...process.env, ...leg.env }, stdout: "pipe", stderr: "pipe" });
  const collect = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    let text = "";
    for await (const chunk of stream) {
      const s = new TextDecoder().decode(chunk);
      text += s;
      sink.write(s);
    }
    return text;
  };
  const [out, err] = await Promise.all([collect(proc.stdout, process.stdout), collect(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  const text = out + err;
  const pass = Number(/^\s*(\d+) pass$/m.exec(text)?.[1] ?? 0);
  const fail = Number(/^\s*(\d+) fail$/m.exec(text)?.[1] ?? 0);
  passed += pass;
  failed += fail;
  if (code !== 0 && fail === 0) failed++; // a crash or an error outside any test still fails the run
  console.log(`=== leg ${leg.name}: ${pass} passed, ${fail} failed${code !== 0 && fail === 0 ? ` (bun test exited ${code})` : ""}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
