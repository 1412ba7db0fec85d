import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RequestError } from "@octokit/request-error";
import OpenAI from "openai";
import { loadConfig } from "../src/config/index.ts";
import { createGitHubApp, type GitHubOctokit } from "../src/github/index.ts";
import { FakeGitHub } from "./fakes/github.ts";
import { FakeOpenAI } from "./fakes/openai.ts";
import { WebhookReceiver } from "./fakes/webhook-receiver.ts";

/** The fakes must speak the real wire formats: these checks run them against the real SDKs. */
const sha = (seed: string) => createHash("sha1").update(seed).digest("hex");

describe("fake OpenAI upstream", () => {
  let upstream: FakeOpenAI;
  let client: OpenAI;
  beforeAll(() => {
    upstream = FakeOpenAI.start({ apiKey: "sk-test" });
    client = new OpenAI({ baseURL: upstream.baseURL, apiKey: "sk-test", maxRetries: 0 });
  });
  afterAll(() => upstream.stop());

  test("SSE is OpenAI's format: data lines, chunk objects, a usage chunk on request, then [DONE]", async () => {
    upstream.reply({ content: "one two", chunks: ["one ", "two"], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const res = await fetch(`${upstream.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = (await res.text()).split("\n\n").filter(Boolean);
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content).filter(Boolean)).toEqual(["one ", "two"]);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  test("streamed tool-call deltas are assembled by the SDK's stream helper", async () => {
    upstream.reply({ toolCalls: [{ name: "lookup", arguments: { path: "src/a.ts", line: 3 } }] });
    const stream = client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }] });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(final.choices[0].finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function.name).toBe("lookup");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ path: "src/a.ts", line: 3 });
  });

  test("non-streamed tool calls and structured output", async () => {
    upstream.reply({ toolCalls: [{ name: "lookup", arguments: "{}" }] });
    const tools = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    expect(tools.choices[0].message.content).toBeNull();
    expect(tools.choices[0].message.tool_calls?.[0].id).toStartWith("call_");
    const schema = { type: "object", properties: { verdict: { enum: ["PASS", "FAIL"] }, findings: { type: "array" } }, required: ["verdict", "findings"], additionalProperties: false };
    const structured = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "r", strict: true, schema } } });
    expect(JSON.parse(structured.choices[0].message.content!)).toEqual({ verdict: "PASS", findings: [] });
    expect((upstream.completions.at(-1)!.body as any).response_format.json_schema.name).toBe("r");
  });

  test("errors come in OpenAI's shape and map to the SDK's error classes", async () => {
    upstream.fail({ status: 429, retryAfter: 2 });
    upstream.fail({ status: 400, message: "messages[0].content is too long" });
    const limited = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(limited.code).toBe("rate_limit_exceeded");
    const bad = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.message).toContain("messages[0].content is too long");
    const wrongKey = await new OpenAI({ baseURL: upstream.baseURL, apiKey: "sk-wrong", maxRetries: 0 }).models.list().catch((e) => e);
    expect(wrongKey).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("a stream can end early (no finish reason) or carry OpenAI's in-stream error", async () => {
    upstream.reply({ content: "a b c d", chunks: ["a ", "b ", "c ", "d"], endAfterChunks: 3, chunkDelayMs: 5 });
    const truncated = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    const seen: (string | null | undefined)[] = [];
    for await (const chunk of truncated) seen.push(chunk.choices[0]?.finish_reason);
    expect(seen.length).toBe(3);
    expect(seen.every((f) => f === null)).toBe(true);

    upstream.reply({ content: "a b c d", chunks: ["a ", "b ", "c ", "d"], errorAfterChunks: 2 });
    const failing = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    const error = await (async () => {
      for await (const _ of failing);
    })().catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.message).toContain("The server had an error");
  });
});

describe("fake GitHub", () => {
  let fake: FakeGitHub;
  let client: GitHubOctokit;
  const repo = { owner: "acme", repo: "widgets" };
  const head = sha("head");
  beforeAll(async () => {
    fake = FakeGitHub.start();
    fake.addRepo("acme/widgets", { installationId: 3 });
    const files = Array.from({ length: 75 }, (_, i) => ({ filename: `src/file-${i}.ts`, patch: `@@ -1,2 +1,3 @@\n context\n-old ${i}\n+new ${i}\n+added ${i}` }));
    fake.addPull("acme/widgets", { number: 9, base: { ref: "main", sha: sha("base") }, head: { ref: "feat", sha: head }, files, commits: ["one", "two", "three"] });
    fake.setFile("acme/widgets", head, "src/config.yml", "paths:\n  exclude: ['docs/**']\n");
    const app = createGitHubApp(loadConfig({ ...fake.env(), CRITIQUE_DATA_DIR: mkdtempSync(join(tmpdir(), "critique-fakes-")) }));
    client = await app!.installationClient(3);
  });
  afterAll(() => fake.stop());

  test("pull files are paginated with Link headers that octokit's paginate follows", async () => {
    const files = await client.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...repo, pull_number: 9, per_page: 30 });
    expect(files.map((f) => f.filename)).toEqual(Array.from({ length: 75 }, (_, i) => `src/file-${i}.ts`));
    expect(files[0]).toMatchObject({ status: "modified", additions: 2, deletions: 1, changes: 3 });
    const pages = fake.requestsTo("GET /repos/{owner}/{repo}/pulls/{pull_number}/files");
    expect(pages.map((r) => new URL(r.path, fake.url).searchParams.get("page") ?? "1")).toEqual(["1", "2", "3"]);
  });

  test("compare returns files with patches (first page only when paging) and commits", async () => {
    const { data } = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...repo, basehead: `${sha("base")}...${head}` });
    expect(data.files?.length).toBe(75);
    expect(data.files?.[0].patch).toContain("+new 0");
    expect(data.commits.map((c) => c.commit.message)).toEqual(["one", "two", "three"]);
    expect(data.commits.at(-1)?.sha).toBe(head);
    const page2 = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...repo, basehead: `${sha("base")}...${head}`, per_page: 2, page: 2 });
    expect(page2.data.files).toEqual([]);
    expect(page2.data.commits.length).toBe(1);
  });

  test("contents are base64 at a ref; a missing file is 404", async () => {
    const { data } = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: "src/config.yml", ref: head });
    expect(!Array.isArray(data) && data.type === "file" && Buffer.from(data.content, "base64").toString()).toBe("paths:\n  exclude: ['docs/**']\n");
    const missing = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: "nope.yml", ref: head }).catch((e) => e);
    expect(missing).toBeInstanceOf(RequestError);
    expect(missing.status).toBe(404);
  });

  test("check runs, comments, reviews and statuses are validated and kept", async () => {
    const created = await client.request("POST /repos/{owner}/{repo}/check-runs", { ...repo, name: "Critique", head_sha: head, status: "in_progress" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ status: "in_progress", conclusion: null, name: "Critique" });
    const annotation = { path: "src/file-0.ts", start_line: 2, end_line: 2, annotation_level: "warning" as const, message: "hm" };
    const done = await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...repo, check_run_id: Number(created.data.id), conclusion: "failure", output: { title: "FAIL", summary: "1 finding", annotations: [annotation] } });
    expect(done.data).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "FAIL", annotations_count: 1 } });
    const noConclusion = await client.request("POST /repos/{owner}/{repo}/check-runs", { ...repo, name: "x", head_sha: head, status: "completed" }).catch((e) => e);
    expect(noConclusion.status).toBe(422);

    const comment = await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...repo, issue_number: 9, body: "first" });
    await client.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { ...repo, comment_id: Number(comment.data.id), body: "edited" });
    const listed = await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...repo, issue_number: 9 });
    expect(listed.data.map((c) => [c.body, c.user?.login, c.user?.type])).toEqual([["edited", "critique-test[bot]", "Bot"]]);

    const badLine = await client.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...repo, pull_number: 9, event: "COMMENT", body: "b", comments: [{ path: "src/file-0.ts", line: 40, body: "x" }] }).catch((e) => e);
    expect(badLine.status).toBe(422);
    expect(badLine.response.data.errors).toEqual(["Line could not be resolved"]);
    const review = await client.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...repo, pull_number: 9, event: "REQUEST_CHANGES", body: "b", comments: [{ path: "src/file-0.ts", line: 3, body: "x" }] });
    expect(review.data).toMatchObject({ state: "CHANGES_REQUESTED", commit_id: head });

    const status = await client.request("POST /repos/{owner}/{repo}/statuses/{sha}", { ...repo, sha: head, state: "failure", context: "critique", description: "1 blocking finding" });
    expect(status.data).toMatchObject({ state: "failure", context: "critique" });
    const unknownSha = await client.request("POST /repos/{owner}/{repo}/statuses/{sha}", { ...repo, sha: sha("nope"), state: "success" }).catch((e) => e);
    expect(unknownSha.status).toBe(422);
    expect(fake.state.statuses.map((s) => s.data.state)).toEqual(["failure"]);
  });

  test("repository routes need an installation token, /app routes a valid JWT", async () => {
    expect((await fetch(`${fake.apiUrl}/repos/acme/widgets/pulls/9`)).status).toBe(401);
    expect((await fetch(`${fake.apiUrl}/repos/acme/widgets/pulls/9`, { headers: { authorization: "token ghs_madeup" } })).status).toBe(401);
    const jwtLike = await fetch(`${fake.apiUrl}/app`, { headers: { authorization: "Bearer a.b.c" } });
    expect(jwtLike.status).toBe(401);
    expect(await jwtLike.json()).toMatchObject({ message: "A JSON web token could not be decoded" });
  });
});

describe("webhook receiver", () => {
  test("records raw bodies and plays scripted answers in order", async () => {
    const receiver = WebhookReceiver.start();
    try {
      receiver.respond({ status: 500, times: 2 }, { status: 429, headers: { "retry-after": "3" } }, { status: 410, path: "/gone" });
      const send = (path: string, body: string) => fetch(receiver.endpoint(path), { method: "POST", headers: { "content-type": "application/json", "x-critique-event": "review.completed" }, body });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await send("/hook", `{"n": ${i}}`)).status);
      expect(statuses).toEqual([500, 500, 429, 200]);
      expect((await send("/gone", "{}")).status).toBe(410);
      const deliveries = await receiver.waitForDeliveries(5);
      expect(deliveries[1]).toMatchObject({ method: "POST", path: "/hook", rawBody: '{"n": 1}', body: { n: 1 } });
      expect(deliveries[1].headers["x-critique-event"]).toBe("review.completed");
    } finally {
      receiver.stop();
    }
  });
});
