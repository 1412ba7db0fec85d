import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeGitHub } from "../test/fakes/github.ts";
import { FakeOpenAI } from "../test/fakes/openai.ts";
import { cli, freePort, type Running, startServer } from "./binary.ts";

/**
 * What bench/abuse.ts attacks: the compiled binary on the embedded defaults (SQLite, local queue) with an inference
 * model on a fast upstream subprocess (bench/inference-upstream.ts: it records nothing, so a 10 MB prompt costs it
 * nothing), a review model on the scripted fake (no findings) and the fake GitHub App. A fresh server per attack,
 * so each peak RSS (VmHWM) is that attack's.
 */
export const REPO = "bench/abused";
export const INSTALLATION = 919;
export const WEBHOOK_SECRET = "abuse-bench-webhook-secret";

export interface World {
  github: FakeGitHub;
  config: string;
  upstream: Bun.Subprocess;
  reviewer: FakeOpenAI;
  stop(): void;
}

export async function startWorld(scratch: string): Promise<World> {
  const github = FakeGitHub.start();
  github.addRepo(REPO, { installationId: INSTALLATION });
  const reviewer = FakeOpenAI.start();
  reviewer.responder = () => ({ json: { findings: [] } });
  const port = await freePort();
  const upstream = Bun.spawn(["bun", join(import.meta.dir, "inference-upstream.ts"), String(port)], { stdout: "ignore", stderr: "inherit" });
  for (let i = 0; !(await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" }).then((r) => r.ok, () => false)); i++) {
    if (i > 200) throw new Error("the bench upstream did not start");
    await Bun.sleep(25);
  }
  const config = join(scratch, "critique.yaml");
  writeFileSync(
    config,
    Bun.YAML.stringify({
      providers: [
        { id: "bench", baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: "sk-bench" },
        { id: "reviewer", baseUrl: reviewer.baseURL },
      ],
      models: [
        { id: "bench", targets: [{ provider: "bench", model: "bench-up" }], inputPricePerMillion: 0.5, outputPricePerMillion: 2, maxOutputTokens: 256 },
        { id: "reviewer", targets: [{ provider: "reviewer", model: "review-up" }] },
      ],
      review: { model: "reviewer" },
    }),
  );
  return {
    github,
    config,
    upstream,
    reviewer,
    stop() {
      github.stop();
      reviewer.stop();
      upstream.kill();
    },
  };
}

export interface Target extends Running {
  /** A key with every scope an attack needs (inference, write:reviews, read:reviews), owner of the installation. */
  key: string;
  dir: string;
}

export async function startTarget(binary: string, world: World, scratch: string): Promise<Target> {
  const dir = mkdtempSync(join(scratch, "server-"));
  const env = { CRITIQUE_CONFIG: world.config, CRITIQUE_LOG_LEVEL: "warn", ...world.github.env({ webhookSecret: WEBHOOK_SECRET }) };
  const server = await startServer(binary, dir, env);
  const scopes = "inference,write:reviews,read:reviews";
  const { key } = JSON.parse(await cli(binary, ["keys", "create", "--name", "abuse", "--user", "mallory", "--scopes", scopes, "--json"], dir, env)) as { key: string };
  await cli(binary, ["installations", "grant", "--installation", String(INSTALLATION), "--user", "mallory"], dir, env);
  return { ...server, key, dir };
}

/** Current and peak resident memory of a process, in MB (Linux /proc: VmRSS, VmHWM). */
export async function memoryMb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}
