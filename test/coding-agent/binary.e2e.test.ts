import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AgentUpstream } from "../fakes/agent-upstream.ts";
import { type BinaryServer, ensureBinary, runCli, startBinary } from "../helpers/binary.ts";
import { createBackends, type TestBackends } from "../helpers/databases.ts";
import { waitFor } from "../helpers/jobs.ts";

// A coding-agent run from the compiled binary: the sandbox bridge runs on the binary itself (as Bun), the
// OpenCode binary comes from CRITIQUE_OPENCODE_BIN, and the agent's model calls come back through the binary.
const OPENCODE = resolve(import.meta.dir, "../../node_modules/opencode-linux-x64/bin/opencode");
let cwd: string;
let backends: TestBackends;
let server: BinaryServer;
let env: Record<string, string>;
const upstream = AgentUpstream.start();

beforeAll(async () => {
  await ensureBinary();
  cwd = mkdtempSync(join(tmpdir(), "critique-bin-agent-"));
  backends = await createBackends();
  env = { ...backends.env, CRITIQUE_LLM_BASE_URL: upstream.fake.baseURL, CRITIQUE_LLM_MODEL: "coder", CRITIQUE_OPENCODE_BIN: OPENCODE };
  server = await startBinary(cwd, env);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  upstream.stop();
  await backends?.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

test("a run in a bubblewrap sandbox goes IDLE with its patch, then is cancelled", async () => {
  const key = JSON.parse((await runCli(["keys", "create", "--name", "agent", "--user", "alice", "--scopes", "read:builder,write:builder", "--json"], cwd, env)).stdout).key;
  const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1/coding-agent${path}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
  const models = (await (await call("/models")).json()) as any;
  expect(models.sandbox).toMatchObject({ provider: "local", usable: true, reason: null });

  upstream.script({ tool: "write", filePath: "/workspace/hello.py", content: "print('hi')\n" }, { say: "Wrote hello.py." });
  const created = await call("/runs", { method: "POST", body: JSON.stringify({ prompt: "Write hello.py" }) });
  expect(created.status).toBe(202);
  const id = ((await created.json()) as any).run.id;
  const run = await waitFor("the run to finish its turn", async () => {
    const r = ((await (await call(`/runs/${id}`)).json()) as any).run;
    return ["IDLE", "FAILED"].includes(r.status) && r;
  }, 30_000);
  expect(run).toMatchObject({ status: "IDLE", summary: "Wrote hello.py.", diffstat: { files: 1, additions: 1 } });
  expect(await (await call(`/runs/${id}/patch`)).text()).toContain("+print('hi')");
  const cancelled = await call(`/runs/${id}/cancel`, { method: "POST" });
  expect(((await cancelled.json()) as any).run.status).toBe("CANCELLED");
}, 60_000);
