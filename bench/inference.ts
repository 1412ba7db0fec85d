#!/usr/bin/env bun
/**
 * Inference gateway figures, side by side against one local fake upstream (bench/inference-upstream.ts):
 *   direct     the upstream itself
 *   bun-proxy  a bare pass-through proxy on Bun (bench/bun-proxy.ts): the floor any gateway on this runtime adds
 *   critique   the compiled binary, with auth (crt_ key), worst-case reservation, settlement and usage record
 *   portkey    Portkey's open-source gateway (@portkey-ai/gateway 1.15.2) on Node, as `npx @portkey-ai/gateway`
 *              runs it, with x-portkey-provider: openai + x-portkey-custom-host; its streaming fails on Node 20
 *              ("TypeError: immutable" appending headers to the upstream's response), so streams are measured on
 *   portkey-bun the same gateway run by Bun (faster than on Node, so a conservative comparison)
 * Throughput (32 connections, non-streamed): every target warmed up, then measured in rounds that
 * alternate across targets (the median round counts). Then, with every target warm, sequential added latency
 * p50/p99 per request (non-streamed: whole answer; streamed: time to first token), measured from this process in
 * runs of consecutive requests that alternate across targets.
 *
 * The load generator is wrk when installed (see bench/load-generators.ts for why), else autocannon.
 *
 *   bun bench/inference.ts [--requests 2000] [--warmup 15] [--duration 4] [--rounds 5] [--connections 32]
 *                          [--generator wrk|autocannon] [--log-level warn] [--no-build]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cli, freePort, startServer } from "./binary.ts";
import { type Target, sequential, throughput } from "./inference-measure.ts";
import { defaultGenerator, type Generator } from "./load-generators.ts";

const { values: options } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "15" },
    duration: { type: "string", default: "4" },
    rounds: { type: "string", default: "5" },
    generator: { type: "string", default: defaultGenerator() },
    connections: { type: "string", default: "32" },
    "log-level": { type: "string", default: "warn" },
    "no-build": { type: "boolean", default: false },
  },
});
const generator = options.generator as Generator;
if (generator !== "wrk" && generator !== "autocannon") throw new Error(`--generator must be wrk or autocannon, not ${generator}`);
const ROOT = resolve(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "critique");
const dir = mkdtempSync(join(tmpdir(), "critique-bench-inference-"));
const children: Bun.Subprocess[] = [];
let stopOurs: (() => Promise<void>) | undefined;

if (!options["no-build"]) {
  console.log("building dist/critique …");
  const build = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" });
  if ((await build.exited) !== 0) throw new Error("bun run build failed");
}

/** Spawns a process and waits until `ready` answers. */
async function spawnAndWait(command: string[], ready: string, env: Record<string, string> = {}): Promise<void> {
  const proc = Bun.spawn(command, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "ignore", stderr: Bun.file(join(dir, `${children.length}.err`)) });
  children.push(proc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${command.join(" ")} exited ${proc.exitCode}`);
    if (await fetch(ready).then((r) => r.status < 500, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${command.join(" ")} did not start`);
    await Bun.sleep(50);
  }
}

try {
  const upstreamPort = await freePort();
  await spawnAndWait(["bun", "bench/inference-upstream.ts", String(upstreamPort)], `http://127.0.0.1:${upstreamPort}/`);
  const upstream = `http://127.0.0.1:${upstreamPort}`;

  const config = join(dir, "critique.yaml");
  writeFileSync(config, Bun.YAML.stringify({
    providers: [{ id: "bench", baseUrl: `${upstream}/v1`, apiKey: "sk-bench" }],
    models: [{ id: "bench", targets: [{ provider: "bench", model: "bench-up" }], inputPricePerMillion: 0.5, outputPricePerMillion: 2, trainingDiscount: 0.75, maxOutputTokens: 256 }],
  }));
  const env = { CRITIQUE_CONFIG: config, CRITIQUE_LOG_LEVEL: options["log-level"]! };
  const ours = await startServer(BINARY, dir, env);
  stopOurs = ours.stop;
  const { key } = JSON.parse(await cli(BINARY, ["keys", "create", "--name", "bench", "--user", "bench", "--scopes", "inference", "--json"], dir, env)) as { key: string };
  await cli(BINARY, ["credits", "grant", "--user", "bench", "--amount", "1000000"], dir, env);

  const portkeyMain = join(ROOT, "node_modules/@portkey-ai/gateway/build/start-server.js");
  const portkeyPort = await freePort();
  await spawnAndWait(["node", portkeyMain, `--port=${portkeyPort}`, "--headless"], `http://127.0.0.1:${portkeyPort}/`);
  const portkeyBunPort = await freePort();
  await spawnAndWait(["bun", portkeyMain, `--port=${portkeyBunPort}`, "--headless"], `http://127.0.0.1:${portkeyBunPort}/`);
  const bunProxyPort = await freePort();
  await spawnAndWait(["bun", "bench/bun-proxy.ts", String(bunProxyPort), upstream], `http://127.0.0.1:${bunProxyPort}/`);
  const portkeyHeaders = { authorization: "Bearer sk-bench", "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstream}/v1` };

  const messages = [{ role: "user", content: "Say something about foxes." }];
  const targets: Target[] = [
    { name: "direct", url: `${upstream}/v1/chat/completions`, headers: { authorization: "Bearer sk-bench" }, model: "bench-up" },
    { name: "bun-proxy", url: `http://127.0.0.1:${bunProxyPort}/v1/chat/completions`, headers: { authorization: "Bearer sk-bench" }, model: "bench-up" },
    { name: "critique", url: `${ours.url}/api/v1/chat/completions`, headers: { authorization: `Bearer ${key}` }, model: "bench" },
    { name: "portkey", url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`, headers: portkeyHeaders, model: "bench-up", noStream: "fails on Node" },
    { name: "portkey-bun", url: `http://127.0.0.1:${portkeyBunPort}/v1/chat/completions`, headers: portkeyHeaders, model: "bench-up" },
  ];
  console.log(`CPUs: ${availableParallelism()}; load generator ${generator}; critique log level ${options["log-level"]}; ${options.requests} sequential requests per target and mode`);
  if (generator === "autocannon") {
    console.log("note: autocannon takes a larger share of the shared CPUs than wrk, from the multi-threaded targets more than from Portkey; with wrk installed (apt-get install wrk) the ratios are the ones the targets refer to");
  }
  const load = await throughput(targets, messages, { generator, connections: Number(options.connections), warmup: Number(options.warmup), seconds: Number(options.duration), rounds: Number(options.rounds) });
  // Sequential latency after the load: every target is measured warm (its JIT settled), as a gateway that has been
  // up for a while is. Measured first, critique was still compiling hot code (~20k requests) during the samples.
  console.log("sequential requests …");
  const latency = await sequential(targets, messages, Number(options.requests));

  const ms = (v: number) => (Number.isNaN(v) ? "n/a" : v.toFixed(3)).padStart(12);
  const cells = (values: string[]) => values.map((v) => v.padStart(12)).join("");
  console.log(`\n${" ".repeat(22)}${targets.map((t) => t.name.padStart(12)).join("")}`);
  for (const mode of ["json", "ttft"] as const) {
    const label = mode === "json" ? "non-streamed" : "stream TTFT ";
    for (const q of ["p50", "p99"] as const) {
      const row = targets.map((t) => latency[t.name][mode][q]);
      console.log(`${label} ${q} ms     ${row.map(ms).join("")}`);
    }
    for (const q of ["p50", "p99"] as const) {
      const added = targets.slice(1).map((t) => latency[t.name][mode][q] - latency.direct[mode][q]);
      console.log(`${label} ${q} added  ${" ".repeat(12)}${added.map(ms).join("")}`);
    }
  }
  const rps = targets.map((t) => load[t.name]);
  console.log(`throughput req/s      ${cells(rps.map((r) => r.requestsPerSecond.toFixed(0)))}`);
  console.log(`load latency p50 ms   ${cells(rps.map((r) => r.p50.toFixed(1)))}`);
  console.log(`load latency p99 ms   ${cells(rps.map((r) => r.p99.toFixed(1)))}`);
  console.log(`non-2xx / errors      ${cells(rps.map((r) => `${r.non2xx}/${r.errors}`))}`);
  console.log(`throughput rounds (median above): ${targets.map((t) => `${t.name} ${load[t.name].rounds.join("/")}`).join(" · ")}`);
  const ratio = (name: string) => (load.critique.requestsPerSecond / load[name].requestsPerSecond).toFixed(1);
  console.log(`critique throughput ÷ portkey on Node: ${ratio("portkey")}×, ÷ portkey on Bun: ${ratio("portkey-bun")}×, ÷ bare bun-proxy: ${ratio("bun-proxy")}×`);
  // Rounds alternate across targets, so round i of critique and round i of Portkey ran seconds apart.
  const perRound = load.critique.rounds.map((rps, i) => (rps / load.portkey.rounds[i]).toFixed(1));
  console.log(`critique ÷ portkey on Node, round by round: ${perRound.join(" / ")}×`);
  const credits = JSON.parse(await cli(BINARY, ["credits", "balance", "--user", "bench", "--json"], dir, env)) as { balance: number; reserved: number };
  console.log(`critique metered the run: ${(1_000_000 - credits.balance - credits.reserved).toFixed(6)} credits charged, ${credits.reserved} still held by open credit blocks`);
} finally {
  await stopOurs?.();
  for (const child of children) child.kill();
  await Promise.all(children.map((c) => c.exited));
  rmSync(dir, { recursive: true, force: true });
}
