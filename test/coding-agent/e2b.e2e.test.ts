import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setE2BClientFactory } from "../../plugins/coding-agent/sandbox/e2b-client.ts";
import { loadConfig } from "../../src/config/index.ts";
import { type RunningServer, startServer } from "../../src/runtime.ts";
import { E2BDouble } from "../fakes/e2b-double.ts";
import { freePort } from "../helpers/binary.ts";
import { type CodingAgentHarness, readStream, startCodingAgent } from "../helpers/coding-agent.ts";

/**
 * The E2B provider through its SDK seam, with a double whose "remote" sandboxes are processes on this machine:
 * the real OpenCode runs in them, the server brings the code in and takes the diff out through the sandbox's
 * commands and files, and a restarted server reconnects to a warm sandbox by id.
 */
const OPENCODE = resolve(import.meta.dir, "../../node_modules/opencode-linux-x64/bin/opencode");
const workspace = join(mkdtempSync(join(tmpdir(), "critique-e2b-vm-")), "workspace");
const double = new E2BDouble([workspace, `${workspace}.critique`]);
let h: CodingAgentHarness;
let restarted: RunningServer | undefined;
let key: string;

beforeAll(async () => {
  setE2BClientFactory(async () => double);
  const port = await freePort();
  h = await startCodingAgent({
    env: { PORT: String(port), CRITIQUE_PUBLIC_URL: `http://127.0.0.1:${port}`, E2B_API_KEY: "e2b_test_key" },
    codingAgent: { provider: "e2b", idleTtlSeconds: 600, sandboxPricePerMinute: { local: 0.6, e2b: 1.2 }, e2b: { template: "critique-opencode-test", opencodePath: OPENCODE, workspaceDir: workspace, agentPort: await freePort() } },
  });
  key = await h.server.key(["read:builder", "write:builder"]);
});
afterAll(async () => {
  await restarted?.stop();
  if (!restarted) await h.server.server.stop();
  await h.server.backends.dispose();
  h.github.stop();
  h.upstream.stop();
  double.dispose();
  setE2BClientFactory(undefined);
});

describe("a run on E2B", () => {
  let runId: string;
  let sandboxId: string;

  test("creates one sandbox from the template, runs the agent there, and delivers the patch and draft PR", async () => {
    h.upstream.script({ tool: "edit", filePath: `${workspace}/src/hello.txt`, oldString: "hello world", newString: "hello from e2b" }, { say: "Edited on E2B." });
    const { res, body } = await h.createRun(key, { prompt: "Change the greeting", repository: h.repo, createPullRequest: true });
    expect(res.status).toBe(202);
    runId = body.run.id;
    const run = await h.waitStatus(key, runId, ["IDLE", "FAILED"], 40_000);
    expect(run).toMatchObject({ status: "IDLE", provider: "e2b", summary: "Edited on E2B.", diffstat: { files: 1 }, pullRequestNumber: 1 });
    expect(double.machines.size).toBe(1);
    const [machine] = double.machines.values();
    sandboxId = machine.id;
    expect(machine).toMatchObject({ template: "critique-opencode-test", state: "running", metadata: { critiqueRunId: runId } });
    expect(machine.timeoutMs).toBeGreaterThan(0);
    // The server worked on the workspace through the sandbox's own commands (no GitHub credential went in).
    expect(machine.commands.some((c) => c.startsWith("tar -xzf"))).toBe(true);
    expect(machine.commands.some((c) => c.includes("git") && c.includes("diff"))).toBe(true);
    expect(machine.commands.join("\n")).not.toMatch(/ghs_/);
    expect(h.github.filesAt(h.repo, run.branch)["src/hello.txt"]).toBe("hello from e2b\n");
    const models = (await (await h.server.request("/api/v1/coding-agent/models", { key })).json()) as any;
    expect(models.sandbox).toMatchObject({ provider: "e2b", usable: true, pricePerMinute: 1.2 });
  }, 60_000);

  test("after a server restart, a follow-up reconnects to the warm sandbox by id and runs in it", async () => {
    await h.server.server.stop();
    expect(double.machines.get(sandboxId)!.state).toBe("running");
    restarted = await startServer(loadConfig(h.server.env));
    h.upstream.script({ tool: "bash", command: "cat src/hello.txt > seen.txt" }, { say: "Saw the first edit." });
    const res = await h.server.request(`/api/v1/coding-agent/runs/${runId}/messages`, { method: "POST", key, json: { prompt: "Record what you see" } });
    expect(res.status).toBe(202);
    const run = await h.waitStatus(key, runId, ["IDLE", "FAILED"], 40_000);
    expect(run).toMatchObject({ status: "IDLE", turns: 2, summary: "Saw the first edit." });
    expect(double.connects).toContain(sandboxId);
    expect(double.machines.size).toBe(1);
    const diff = await (await h.server.request(`/api/v1/coding-agent/runs/${runId}/patch`, { key })).text();
    expect(diff).toContain("+++ b/seen.txt");
    expect(diff).toContain("+hello from e2b");
  }, 60_000);

  test("cancelling ends the run and kills its sandbox", async () => {
    const res = await h.server.request(`/api/v1/coding-agent/runs/${runId}/cancel`, { method: "POST", key });
    expect(res.status).toBe(200);
    await readStream(h.server, key, runId, { until: (e) => e.some((x) => x.event === "end") });
    expect(double.machines.get(sandboxId)!.state).toBe("killed");
  }, 30_000);
});

