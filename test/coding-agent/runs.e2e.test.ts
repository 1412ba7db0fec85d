import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { type CodingAgentHarness, readStream, startCodingAgent } from "../helpers/coding-agent.ts";

/**
 * The Coding Agent API end to end: the real server, a real bubblewrap sandbox, the real OpenCode binary driven by a
 * scripted model (OpenCode's own tool calls), a repository served by the fake GitHub, the patch, branch, commit
 * and draft pull request written back through GitHub's git data and pulls routes.
 */
let h: CodingAgentHarness;
let key: string;
beforeAll(async () => {
  h = await startCodingAgent();
  key = await h.server.key(["read:builder", "write:builder"]);
});
afterAll(() => h.stop());

const ctx = () => h.server.server.ctx;
const usageOf = async (keyId: string) => ctx().db.select().from(ctx().tables.inferenceUsage).where(eq(ctx().tables.inferenceUsage.keyId, keyId));
const rowOf = async (id: string) => (await ctx().db.select().from(ctx().tables.codingAgentRuns).where(eq(ctx().tables.codingAgentRuns.id, id)))[0];

describe("a run on a repository with a draft pull request, then a follow-up in the same warm sandbox", () => {
  let runId: string;
  let first: any;

  test("the first turn reads and edits a file; the run goes IDLE with its patch, branch, commit and draft PR", async () => {
    h.upstream.script(
      { tool: "read", filePath: "/workspace/src/hello.txt" },
      { tool: "edit", filePath: "/workspace/src/hello.txt", oldString: "hello world", newString: "hello there" },
      { say: "Changed the greeting in src/hello.txt." },
    );
    const { res, body } = await h.createRun(key, { prompt: "Change the greeting", repository: h.repo, createPullRequest: true, pullRequestTitle: "Friendlier greeting", metadata: { ticket: "W-1" } });
    expect(res.status).toBe(202);
    expect(body.run).toMatchObject({ status: "QUEUED", repository: h.repo, model: "coder", billing: "credits", provider: "local", turns: 0, metadata: { ticket: "W-1" } });
    runId = body.run.id;
    first = await h.waitStatus(key, runId, ["IDLE", "FAILED", "EXPIRED"], 30_000);
    expect(first).toMatchObject({ status: "IDLE", turns: 1, ref: "main", baseSha: h.baseSha, summary: "Changed the greeting in src/hello.txt.", diffstat: { files: 1, additions: 1, deletions: 1 }, pullRequestNumber: 1, failureReason: null });
    expect(first.branch).toMatch(/^critique\/agent-/);
    expect(first.idleUntil).not.toBeNull();

    const patch = await h.server.request(`/api/v1/coding-agent/runs/${runId}/patch`, { key });
    expect(patch.headers.get("content-type")).toStartWith("text/x-diff");
    const diff = await patch.text();
    expect(diff).toContain("--- a/src/hello.txt\n+++ b/src/hello.txt");
    expect(diff).toContain("-hello world\n+hello there");

    // Pushed by the server through the git data API: one commit on the new branch, parent = the base.
    const commit = h.github.commitInfo(h.repo, first.commitSha);
    expect(commit.parents).toEqual([h.baseSha]);
    expect(commit.message).toStartWith("Friendlier greeting");
    expect(h.github.branchSha(h.repo, first.branch)).toBe(first.commitSha);
    expect(h.github.filesAt(h.repo, first.branch)).toEqual({ "README.md": "# Widgets\n", "src/hello.txt": "hello there\n", "scripts/build.sh": "#!/bin/sh\necho build\n" });
    const [pull] = h.github.createdPulls(h.repo);
    expect(pull).toMatchObject({ number: 1, title: "Friendlier greeting", draft: true, base: { ref: "main" }, head: { ref: first.branch } });
    expect(first.pullRequestUrl).toBe(`${h.github.url}/${h.repo}/pull/1`);
  }, 60_000);

  test("every model call went through this server's Inference API with the run's own key, metered", async () => {
    const row = await rowOf(runId);
    const usage = await usageOf(row.runKeyId!);
    expect(usage.length).toBeGreaterThanOrEqual(3);
    expect(usage.every((u) => u.model === "coder" && !u.byok && u.cost > 0)).toBe(true);
    const [runKey] = await ctx().db.select().from(ctx().tables.apiKeys).where(eq(ctx().tables.apiKeys.id, row.runKeyId!));
    expect(runKey.scopes).toEqual(["inference"]);
    expect(runKey.allowedModels).toEqual(["coder"]);
    expect(runKey.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    // The sandbox's requests to the gateway used that key; GitHub's installation token never left the server.
    const tokens = h.github.minted.map((m) => m.token);
    const bodies = h.upstream.fake.completions.map((r) => r.rawBody).join("\n");
    for (const token of tokens) expect(bodies).not.toContain(token);
    expect(first.creditsUsed).toBeGreaterThan(0);
  });

  test("the stream replays the whole run with increasing ids, and from Last-Event-ID on", async () => {
    const { status, contentType, events } = await readStream(h.server, key, runId, { until: (e) => e.some((x) => x.event === "turn.completed") });
    expect(status).toBe(200);
    expect(contentType).toStartWith("text/event-stream");
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.event === "status").map((e) => e.data.status)).toEqual(["QUEUED", "PROVISIONING", "RUNNING", "IDLE"]);
    const types = events.map((e) => e.event);
    for (const type of ["turn.started", "tool.call", "tool.result", "assistant.text", "patch", "pull_request", "turn.completed"]) expect(types).toContain(type);
    const calls = events.filter((e) => e.event === "tool.call").map((e) => e.data.tool);
    expect(calls).toEqual(["read", "edit"]);
    const read = events.find((e) => e.event === "tool.result" && e.data.tool === "read");
    expect(read!.data.output).toContain("hello world");
    expect(events.find((e) => e.event === "pull_request")!.data).toMatchObject({ pullRequestNumber: 1, branch: first.branch, commitSha: first.commitSha });

    const from = events[3].id;
    const replay = await readStream(h.server, key, runId, { lastEventId: String(from), until: (e) => e.some((x) => x.event === "turn.completed") });
    expect(replay.events[0].id).toBe(from + 1);
    expect(replay.events.map((e) => e.id)).toEqual(events.slice(from).map((e) => e.id));
  }, 30_000);

  test("an idle stream stays open with heartbeats", async () => {
    const last = (await rowOf(runId)).lastEventSeq;
    const { events, comments } = await readStream(h.server, key, runId, { lastEventId: String(last), timeoutMs: 1_500 });
    expect(events).toEqual([]);
    expect(comments).toBeGreaterThanOrEqual(1);
  });

  test("a follow-up runs in the same sandbox, sees the first turn's work, and pushes a second commit on the branch", async () => {
    const sandboxId = (await rowOf(runId)).sandboxId;
    h.upstream.script(
      { tool: "bash", command: "cat src/hello.txt && printf 'v2\\n' > VERSION && echo wrote" },
      { tool: "write", filePath: "/workspace/src/extra.txt", content: "extra\n" },
      { say: "Added VERSION and extra.txt." },
    );
    const res = await h.server.request(`/api/v1/coding-agent/runs/${runId}/messages`, { method: "POST", key, json: { prompt: "Add a VERSION file" } });
    expect(res.status).toBe(202);
    expect(((await res.json()) as any).run.status).toBe("RUNNING");
    const second = await h.waitStatus(key, runId, ["IDLE", "FAILED", "EXPIRED"], 30_000);
    expect(second).toMatchObject({ status: "IDLE", turns: 2, summary: "Added VERSION and extra.txt.", diffstat: { files: 3 }, pullRequestNumber: 1 });
    expect((await rowOf(runId)).sandboxId).toBe(sandboxId);

    const { events } = await readStream(h.server, key, runId, { until: (e) => e.filter((x) => x.event === "turn.completed").length === 2 });
    const command = events.find((e) => e.event === "command.output");
    expect(command!.data).toMatchObject({ exitCode: 0 });
    expect(command!.data.output).toContain("hello there");
    expect(command!.data.output).toContain("wrote");

    expect(h.github.commitInfo(h.repo, second.commitSha).parents).toEqual([first.commitSha]);
    expect(h.github.filesAt(h.repo, first.branch)).toMatchObject({ "src/hello.txt": "hello there\n", VERSION: "v2\n", "src/extra.txt": "extra\n" });
    expect(h.github.createdPulls(h.repo)).toHaveLength(1);
    const diff = await (await h.server.request(`/api/v1/coding-agent/runs/${runId}/patch`, { key })).text();
    expect(diff).toContain("+hello there");
    expect(diff).toContain("+v2");
  }, 60_000);

  test("cancelling the idle run ends it, releases the sandbox and revokes the run key", async () => {
    const row = await rowOf(runId);
    const res = await h.server.request(`/api/v1/coding-agent/runs/${runId}/cancel`, { method: "POST", key });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).run).toMatchObject({ status: "CANCELLED", failureReason: "cancelled through the API" });
    const { events } = await readStream(h.server, key, runId, { until: (e) => e.some((x) => x.event === "end") });
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "CANCELLED" } });
    expect(existsSync(join(h.server.backends.dataDir, "coding-agent", runId))).toBe(false);
    const [runKey] = await ctx().db.select().from(ctx().tables.apiKeys).where(eq(ctx().tables.apiKeys.id, row.runKeyId!));
    expect(runKey.revokedAt).not.toBeNull();
  }, 30_000);
});

describe("a run without a repository", () => {
  test("works in an empty workspace and returns a patch only; the sandbox shows nothing of the host", async () => {
    h.upstream.script(
      { tool: "bash", command: "echo \"home=$HOME\"; ls -a / | tr '\\n' ' '; echo; env | cut -d= -f1 | sort | tr '\\n' ' '" },
      { tool: "write", filePath: "/workspace/notes.md", content: "# Notes\n" },
      { say: "Wrote notes.md." },
    );
    const { res, body } = await h.createRun(key, { prompt: "Write notes" });
    expect(res.status).toBe(202);
    const run = await h.waitStatus(key, body.run.id, ["IDLE", "FAILED", "EXPIRED"], 30_000);
    expect(run).toMatchObject({ status: "IDLE", repository: null, baseSha: null, branch: null, pullRequestUrl: null, diffstat: { files: 1, additions: 1, deletions: 0 } });
    expect(await (await h.server.request(`/api/v1/coding-agent/runs/${run.id}/patch`, { key })).text()).toContain("+++ b/notes.md\n@@ -0,0 +1 @@\n+# Notes");

    const { events } = await readStream(h.server, key, run.id, { until: (e) => e.some((x) => x.event === "turn.completed") });
    const output: string = events.find((e) => e.event === "command.output")!.data.output;
    expect(output).toContain("home=/home/agent");
    // Only what the sandbox binds: no data dir, no /root, no host environment or secrets.
    expect(output).not.toMatch(/\b(root|work|srv|var)\b/);
    expect(output).not.toMatch(/CRITIQUE_|DATABASE_URL|REDIS_URL|GITHUB/);
    expect(output).not.toContain(h.server.backends.dataDir);
  }, 60_000);
});

describe("a model that refuses", () => {
  test("the agent's error ends the run FAILED with that reason, reported once in the stream", async () => {
    h.upstream.fake.fail({ status: 400, message: "This model refuses the request." }, 3);
    const { body } = await h.createRun(key, { prompt: "Anything" });
    const run = await h.waitStatus(key, body.run.id, ["FAILED", "IDLE"], 30_000);
    expect(run.status).toBe("FAILED");
    expect(run.failureReason).toContain("This model refuses the request.");
    const { events } = await readStream(h.server, key, run.id, { until: (e) => e.some((x) => x.event === "end") });
    expect(events.filter((e) => e.event === "error")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "FAILED" } });
  }, 45_000);
});
