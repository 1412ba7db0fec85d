import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/core";
import { RequestError } from "@octokit/request-error";
import OpenAI from "openai";
import { loadConfig } from "../src/config/index.ts";
import { fetchChange } from "../plugins/merge-gate/pipeline/fetch-change.ts";
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
  const mainFiles = { "README.md": "# widgets\n", "src/index.ts": "export const one = 1;\n", "bin/run": { content: "#!/bin/sh\necho run\n", executable: true } };
  let mainSha: string;
  /** The GitHub error message of a rejected octokit call. */
  const rejection = (call: Promise<unknown>) =>
    call.then(
      () => {
        throw new Error("expected a rejection");
      },
      (e) => ({ status: e.status as number, message: e.response?.data?.message as string, errors: e.response?.data?.errors, body: e.response?.data, headers: e.response?.headers ?? {} }),
    );
  /** A commit on top of `parent` that sets these files, written through the git data API as the product writes. */
  const commitOnto = async (parent: string, files: Record<string, string>, message: string, on = repo) => {
    const baseTree = fake.commitInfo(`${on.owner}/${on.repo}`, parent).tree;
    const entries = Object.entries(files).map(([path, content]) => ({ path, mode: "100644" as const, type: "blob" as const, content }));
    const tree = await client.request("POST /repos/{owner}/{repo}/git/trees", { ...on, base_tree: baseTree, tree: entries });
    return (await client.request("POST /repos/{owner}/{repo}/git/commits", { ...on, message, tree: tree.data.sha, parents: [parent] })).data.sha;
  };
  beforeAll(async () => {
    fake = FakeGitHub.start();
    fake.addRepo("acme/widgets", { installationId: 3 });
    const files = Array.from({ length: 75 }, (_, i) => ({ filename: `src/file-${i}.ts`, patch: `@@ -1,2 +1,3 @@\n context\n-old ${i}\n+new ${i}\n+added ${i}` }));
    fake.addPull("acme/widgets", { number: 9, base: { ref: "main", sha: sha("base") }, head: { ref: "feat", sha: head }, files, commits: ["one", "two", "three"] });
    fake.setFile("acme/widgets", head, "src/config.yml", "paths:\n  exclude: ['docs/**']\n");
    mainSha = fake.setBranch("acme/widgets", "main", mainFiles, "Initial commit");
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

  test("a tarball: octokit follows the 302 to codeload and gets a gzipped tar laid out like GitHub's", async () => {
    const res = await client.request("GET /repos/{owner}/{repo}/tarball/{ref}", { ...repo, ref: "main" });
    expect(res.status as number).toBe(200); // octokit types it 302: fetch has followed the redirect
    expect(res.headers["content-type"]).toBe("application/x-gzip");
    expect(res.data).toBeInstanceOf(ArrayBuffer);
    // The redirect went to codeload with a token this fake minted for the tarball.
    const [api] = fake.requestsTo("GET /repos/{owner}/{repo}/tarball/{ref}");
    const [download] = fake.requestsTo("GET /_codeload/{owner}/{repo}/legacy.tar.gz/{sha}");
    expect(api.headers.authorization).toStartWith("token ghs_");
    const location = new URL(download.path, fake.url);
    expect(location.pathname).toBe(`/_codeload/acme/widgets/legacy.tar.gz/${mainSha}`);
    expect(fake.state.codeload.has(location.searchParams.get("token")!)).toBe(true);
    expect((await fetch(`${fake.url}${location.pathname}`)).status).toBe(404);

    const dir = mkdtempSync(join(tmpdir(), "critique-tarball-"));
    writeFileSync(join(dir, "repo.tar.gz"), Buffer.from(res.data as ArrayBuffer));
    const extract = Bun.spawnSync(["tar", "-xzf", "repo.tar.gz"], { cwd: dir });
    expect(extract.exitCode).toBe(0);
    const top = `acme-widgets-${mainSha.slice(0, 7)}`;
    const listed = Bun.spawnSync(["tar", "-tzf", "repo.tar.gz"], { cwd: dir }).stdout.toString().trim().split("\n");
    expect(listed).toEqual([`${top}/`, `${top}/README.md`, `${top}/bin/`, `${top}/bin/run`, `${top}/src/`, `${top}/src/index.ts`]);
    expect(readFileSync(join(dir, top, "README.md"), "utf8")).toBe("# widgets\n");
    expect(readFileSync(join(dir, top, "src/index.ts"), "utf8")).toBe("export const one = 1;\n");
    expect(statSync(join(dir, top, "bin/run")).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, top, "README.md")).mode & 0o777).toBe(0o644);

    const unknown = await rejection(client.request("GET /repos/{owner}/{repo}/tarball/{ref}", { ...repo, ref: "no-such-branch" }));
    expect(unknown.status).toBe(404);
  });

  test("commits resolve by branch and by full or abbreviated sha; an unknown ref is 422", async () => {
    const byBranch = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { ...repo, ref: "main" });
    expect(byBranch.data).toMatchObject({ sha: mainSha, html_url: `${fake.url}/acme/widgets/commit/${mainSha}`, parents: [], commit: { message: "Initial commit", tree: { sha: fake.commitInfo("acme/widgets", mainSha).tree } } });
    expect(byBranch.data.commit.author).toMatchObject({ name: "Octo Cat", email: "octocat@users.noreply.github.com" });
    expect(byBranch.data.files?.map((f) => [f.filename, f.status])).toEqual([["README.md", "added"], ["bin/run", "added"], ["src/index.ts", "added"]]);
    for (const ref of [mainSha, mainSha.slice(0, 7)]) expect((await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { ...repo, ref })).data.sha).toBe(mainSha);
    const unknown = await rejection(client.request("GET /repos/{owner}/{repo}/commits/{ref}", { ...repo, ref: "nope" }));
    expect(unknown).toMatchObject({ status: 422, message: "No commit found for SHA: nope" });
  });

  test("git data: blob, tree on a base tree (a deletion, a nested path), commit and ref give the branch's files", async () => {
    const blob = await client.request("POST /repos/{owner}/{repo}/git/blobs", { ...repo, content: Buffer.from("bytes\0here").toString("base64"), encoding: "base64" });
    expect(blob.status).toBe(201);
    expect(blob.data.sha).toBe(sha("blob 10\0bytes\0here"));
    const baseTree = fake.commitInfo("acme/widgets", mainSha).tree;
    const tree = await client.request("POST /repos/{owner}/{repo}/git/trees", {
      ...repo,
      base_tree: baseTree,
      tree: [
        { path: "README.md", mode: "100644", type: "blob", sha: null },
        { path: "docs/guide/intro.md", mode: "100644", type: "blob", content: "# Intro\n" },
        { path: "data.bin", mode: "100644", type: "blob", sha: blob.data.sha },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.data.truncated).toBe(false);
    expect(tree.data.tree.map((e) => [e.path, e.type, e.mode])).toEqual([["bin", "tree", "040000"], ["data.bin", "blob", "100644"], ["docs", "tree", "040000"], ["src", "tree", "040000"]]);
    const commit = await client.request("POST /repos/{owner}/{repo}/git/commits", { ...repo, message: "Add docs", tree: tree.data.sha, parents: [mainSha] });
    expect(commit.status).toBe(201);
    expect(commit.data).toMatchObject({ message: "Add docs", tree: { sha: tree.data.sha }, parents: [{ sha: mainSha }], author: { name: "critique-test[bot]" }, verification: { verified: false } });
    const created = await client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/docs/add", sha: commit.data.sha });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ ref: "refs/heads/docs/add", object: { type: "commit", sha: commit.data.sha } });
    const read = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...repo, ref: "heads/docs/add" });
    expect(read.data.object.sha).toBe(commit.data.sha);

    expect(fake.branchSha("acme/widgets", "docs/add")).toBe(commit.data.sha);
    expect(fake.filesAt("acme/widgets", "docs/add")).toEqual({ "bin/run": "#!/bin/sh\necho run\n", "src/index.ts": "export const one = 1;\n", "docs/guide/intro.md": "# Intro\n", "data.bin": "bytes\0here" });
    expect(fake.commitInfo("acme/widgets", commit.data.sha)).toMatchObject({ message: "Add docs", parents: [mainSha], tree: tree.data.sha });
    // The contents route reads the object store for branches and shas.
    const contents = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: "docs/guide/intro.md", ref: "docs/add" });
    expect(!Array.isArray(contents.data) && contents.data.type === "file" && Buffer.from(contents.data.content, "base64").toString()).toBe("# Intro\n");
  });

  test("git data refuses what GitHub refuses, with its 422 messages", async () => {
    const ok = { mode: "100644" as const, type: "blob" as const };
    // Calls start one at a time, each with its rejection handled.
    const cases: [() => Promise<unknown>, number, string][] = [
      [() => client.request("POST /repos/{owner}/{repo}/git/trees", { ...repo, base_tree: sha("nope"), tree: [{ path: "a", ...ok, content: "a" }] }), 422, "base_tree is not a valid tree oid"],
      [() => client.request("POST /repos/{owner}/{repo}/git/trees", { ...repo, tree: [{ path: "a", ...ok, sha: sha("nope") }] }), 422, "Invalid tree info"],
      [() => client.request("POST /repos/{owner}/{repo}/git/trees", { ...repo, tree: [{ path: "/a", ...ok, content: "a" }] }), 422, "tree.path cannot start with a slash"],
      [() => client.request("POST /repos/{owner}/{repo}/git/commits", { ...repo, message: "m", tree: sha("nope"), parents: [] }), 422, "Tree SHA does not exist"],
      [() => client.request("POST /repos/{owner}/{repo}/git/commits", { ...repo, message: "m", tree: fake.commitInfo("acme/widgets", mainSha).tree, parents: [sha("nope")] }), 422, "Parent SHA does not exist or is not a commit object"],
      [() => client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/main", sha: mainSha }), 422, "Reference already exists"],
      [() => client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/other", sha: sha("nope") }), 422, "Object does not exist"],
      [() => client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/no-such-branch", sha: mainSha }), 422, "Reference does not exist"],
      [() => client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...repo, ref: "heads/no-such-branch" }), 404, "Not Found"],
    ];
    for (const [call, status, message] of cases) expect(await rejection(call())).toMatchObject({ status, message });
  });

  test("a ref moves on a fast-forward, refuses a non-fast-forward, and takes one when forced", async () => {
    const first = fake.setBranch("acme/widgets", "ff", { "a.txt": "1\n" });
    const tree = await client.request("POST /repos/{owner}/{repo}/git/trees", { ...repo, base_tree: fake.commitInfo("acme/widgets", first).tree, tree: [{ path: "a.txt", mode: "100644", type: "blob", content: "2\n" }] });
    const second = await client.request("POST /repos/{owner}/{repo}/git/commits", { ...repo, message: "Two", tree: tree.data.sha, parents: [first] });
    const forward = await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/ff", sha: second.data.sha });
    expect(forward.status).toBe(200);
    expect(forward.data.object.sha).toBe(second.data.sha);
    const back = await rejection(client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/ff", sha: first }));
    expect(back).toMatchObject({ status: 422, message: "Update is not a fast forward" });
    expect(fake.branchSha("acme/widgets", "ff")).toBe(second.data.sha);
    const forced = await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/ff", sha: first, force: true });
    expect(forced.data.object.sha).toBe(first);
    expect(fake.filesAt("acme/widgets", "ff")).toEqual({ "a.txt": "1\n" });
  });

  test("a draft pull opened through the API reads back and follows its branch; GitHub's 422s", async () => {
    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/feature/x", sha: mainSha });
    const featureSha = fake.setBranch("acme/widgets", "feature/x", { ...mainFiles, "README.md": "# widgets\n\nMore.\n" }, "Explain more");
    const created = await client.request("POST /repos/{owner}/{repo}/pulls", { ...repo, title: "Explain", head: "feature/x", base: "main", body: "Why", draft: true });
    expect(created.status).toBe(201);
    const number = created.data.number;
    expect(number).toBe(10);
    expect(created.data).toMatchObject({ html_url: `${fake.url}/acme/widgets/pull/10`, draft: true, state: "open", title: "Explain", body: "Why", head: { ref: "feature/x", sha: featureSha }, base: { ref: "main", sha: mainSha }, user: { login: "critique-test[bot]", type: "Bot" }, commits: 1, changed_files: 1 });
    const read = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: number });
    expect(read.data).toMatchObject({ number, title: "Explain", draft: true, head: { sha: featureSha } });
    const files = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...repo, pull_number: number });
    expect(files.data.map((f) => [f.filename, f.status, f.patch])).toEqual([["README.md", "modified", "@@ -1 +1,3 @@\n # widgets\n+\n+More."]]);
    expect(fake.createdPulls("acme/widgets")).toMatchObject([{ number, title: "Explain", body: "Why", draft: true, head: { ref: "feature/x" }, base: { ref: "main" } }]);
    // Pushing to the head branch moves the pull's head, as GitHub's synchronize does.
    const pushed = fake.setBranch("acme/widgets", "feature/x", { ...mainFiles, "README.md": "# widgets\n\nMore.\n", "NEW.md": "new\n" }, "Add a file");
    expect((await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: number })).data).toMatchObject({ head: { sha: pushed }, commits: 2, changed_files: 2 });

    const again = await rejection(client.request("POST /repos/{owner}/{repo}/pulls", { ...repo, title: "Again", head: "acme:feature/x", base: "main" }));
    expect(again).toMatchObject({ status: 422, message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:feature/x." }] });
    const noHead = await rejection(client.request("POST /repos/{owner}/{repo}/pulls", { ...repo, title: "t", head: "no-such-branch", base: "main" }));
    expect(noHead).toMatchObject({ status: 422, message: "Validation Failed", errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] });
    const noBase = await rejection(client.request("POST /repos/{owner}/{repo}/pulls", { ...repo, title: "t", head: "feature/x", base: "no-such-branch" }));
    expect(noBase).toMatchObject({ status: 422, errors: [{ resource: "PullRequest", field: "base", code: "invalid" }] });
    const nothing = await rejection(client.request("POST /repos/{owner}/{repo}/pulls", { ...repo, title: "t", head: "main", base: "main" }));
    expect(nothing.errors).toEqual([{ resource: "PullRequest", code: "custom", message: "No commits between main and main" }]);
    expect(fake.createdPulls("acme/widgets").length).toBe(1);
  });

  test("openPull: a pull between store branches follows them (a push through git refs too), read as the merge gate reads it", async () => {
    const releaseFiles = { "src/a.ts": "export const a = 1;\n", ".critique.yml": "paths:\n  exclude: []\n" };
    const base = fake.setBranch("acme/widgets", "release", releaseFiles, "Release");
    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/fix/a", sha: base });
    const first = fake.setBranch("acme/widgets", "fix/a", { ...releaseFiles, "src/a.ts": "export const a = 2;\n" }, "Fix a");
    const number = fake.openPull("acme/widgets", { head: "fix/a", base: "release", title: "Fix a", body: "Why", number: 40, author: "alice" });
    expect(number).toBe(40);
    const read = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: 40 });
    expect(read.data).toMatchObject({ number: 40, state: "open", title: "Fix a", body: "Why", user: { login: "alice", type: "User" }, commits: 1, changed_files: 1, author_association: "MEMBER" });
    expect(read.data.head).toMatchObject({ ref: "fix/a", sha: first, label: "acme:fix/a", user: { login: "acme" }, repo: { full_name: "acme/widgets", fork: false } });
    expect(read.data.base).toMatchObject({ ref: "release", sha: base, repo: { full_name: "acme/widgets" } });
    expect(fake.createdPulls("acme/widgets").map((p) => p.number)).not.toContain(40);
    const gate = await fetchChange(client, "acme", "widgets", 40, first);
    expect(gate).toMatchObject({ title: "Fix a", author: { login: "alice", type: "User" }, baseRef: "release", baseSha: base, repoConfigText: releaseFiles[".critique.yml"] });
    expect(gate.files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([["src/a.ts", "modified", 1, 1]]);

    // The remedy's push: a commit on the head, then a fast-forward of refs/heads/fix/a.
    const fix = await commitOnto(first, { "src/a.ts": "export const a = 3;\n" }, "Remedy");
    const pushed = await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/fix/a", sha: fix, force: false });
    expect(pushed.data.object.sha).toBe(fix);
    const after = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: 40 });
    expect(after.data).toMatchObject({ head: { ref: "fix/a", sha: fix }, base: { sha: base }, commits: 2, changed_files: 1 });
    const files = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...repo, pull_number: 40 });
    expect(files.data.map((f) => [f.filename, f.patch])).toEqual([["src/a.ts", "@@ -1 +1 @@\n-export const a = 1;\n+export const a = 3;"]]);
    for (const basehead of [`${base}...${fix}`, "release...fix/a"]) {
      const compared = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...repo, basehead });
      expect(compared.data.commits.map((c) => [c.sha, c.commit.message])).toEqual([[first, "Fix a"], [fix, "Remedy"]]);
      expect(compared.data.files?.map((f) => f.filename)).toEqual(["src/a.ts"]);
    }
    // The gate still reads the reviewed head as it was, and the new one at its sha.
    expect((await fetchChange(client, "acme", "widgets", 40, first)).files[0].additions).toBe(1);
    const contents = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: "src/a.ts", ref: fix });
    expect(!Array.isArray(contents.data) && contents.data.type === "file" && Buffer.from(contents.data.content, "base64").toString()).toBe("export const a = 3;\n");
    // The base moving is followed too.
    const moved = fake.setBranch("acme/widgets", "release", { ...releaseFiles, "NOTES.md": "notes\n" }, "Notes");
    expect((await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: 40 })).data.base.sha).toBe(moved);
    expect(() => fake.openPull("acme/widgets", { head: "fix/a", base: "release", number: 40 })).toThrow("already has pull #40");
    expect(() => fake.openPull("acme/widgets", { head: "no-such-branch", base: "release" })).toThrow("make them with setBranch");
  });

  test("a fork pull: head.repo is the fork, and its branch is not one the base repository can move", async () => {
    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/contrib", sha: mainSha });
    const forkHead = fake.setBranch("acme/widgets", "contrib", { ...mainFiles, "README.md": "# widgets\n\nFork.\n" }, "From a fork");
    const number = fake.openPull("acme/widgets", { head: "contrib", base: "main", headRepo: "someone/widgets", title: "From a fork" });
    const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: number });
    expect(data).toMatchObject({ number, user: { login: "someone" }, author_association: "CONTRIBUTOR", commits: 1, changed_files: 1 });
    expect(data.head).toMatchObject({ ref: "contrib", sha: forkHead, label: "someone:contrib", user: { login: "someone", type: "User" } });
    expect(data.head.repo).toMatchObject({ full_name: "someone/widgets", name: "widgets", fork: true, owner: { login: "someone" }, html_url: `${fake.url}/someone/widgets` });
    expect(data.head.repo?.id).not.toBe(data.base.repo.id);
    expect(data.base).toMatchObject({ ref: "main", label: "acme:main", repo: { full_name: "acme/widgets", fork: false } });
    // The commits are readable in the base repository (as refs/pull/N/head makes them on GitHub); the branch is not there.
    expect(fake.branchSha("acme/widgets", "contrib")).toBeUndefined();
    expect((await fetchChange(client, "acme", "widgets", number, forkHead)).files.map((f) => f.path)).toEqual(["README.md"]);
    const push = await rejection(client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/contrib", sha: forkHead, force: false }));
    expect(push).toMatchObject({ status: 422, body: { message: "Reference does not exist", documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference", status: "422" } });
    expect((await rejection(client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...repo, ref: "heads/contrib" }))).status).toBe(404);
    // The App is not installed on the fork.
    const inFork = await rejection(client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { owner: "someone", repo: "widgets", ref: "heads/contrib", sha: forkHead }));
    expect(inFork).toMatchObject({ status: 404, message: "Not Found" });
    // A fork's branch may share a name with one of the base's (here its main): head.ref names the fork's.
    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/someone-main", sha: mainSha });
    fake.setBranch("acme/widgets", "someone-main", { ...mainFiles, "NEW.md": "new\n" });
    const sameName = fake.openPull("acme/widgets", { head: "someone-main", headRef: "main", base: "main", headRepo: "someone/widgets" });
    const other = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: sameName });
    expect(other.data.head).toMatchObject({ ref: "main", label: "someone:main", repo: { full_name: "someone/widgets" } });
    expect(fake.branchSha("acme/widgets", "someone-main")).toBeUndefined();
    expect(fake.branchSha("acme/widgets", "main")).toBe(mainSha);
    // A seeded pull can be a fork pull too.
    fake.addPull("acme/widgets", { number: 41, headRepo: "someone/widgets", base: { ref: "main", sha: sha("base") }, head: { ref: "feat", sha: head } });
    const seeded = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: 41 });
    expect(seeded.data.head).toMatchObject({ label: "someone:feat", repo: { full_name: "someone/widgets", fork: true }, user: { login: "someone" } });
  });

  test("a protected branch: the git refs API refuses to move or create it, with GitHub's 422s", async () => {
    const first = fake.setBranch("acme/widgets", "guarded", { "g.txt": "1\n" });
    const second = await commitOnto(first, { "g.txt": "2\n" }, "Two");
    fake.protectBranch("acme/widgets", "guarded");
    const refusal = { message: "Changes must be made through a pull request.", documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference", status: "422" };
    for (const force of [false, true]) {
      const refused = await rejection(client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/guarded", sha: second, force }));
      expect(refused).toMatchObject({ status: 422 });
      expect(refused.body).toEqual(refusal);
    }
    expect(fake.branchSha("acme/widgets", "guarded")).toBe(first);
    const exists = await rejection(client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/guarded", sha: second }));
    expect(exists).toMatchObject({ status: 422, message: "Reference already exists" });
    fake.protectBranch("acme/widgets", "guarded-new");
    const created = await rejection(client.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: "refs/heads/guarded-new", sha: second }));
    expect(created).toMatchObject({ status: 422, body: { message: "Reference update failed", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference", status: "422" } });
    expect(fake.branchSha("acme/widgets", "guarded-new")).toBeUndefined();
    // Other branches, and the branch once unprotected, move as before.
    fake.protectBranch("acme/widgets", "guarded", false);
    expect((await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...repo, ref: "heads/guarded", sha: second })).data.object.sha).toBe(second);
  });

  test("without contents: write (denyWrites), git data writes and opening pulls answer GitHub's 403", async () => {
    fake.addRepo("acme/locked", { installationId: 3 });
    const locked = { owner: "acme", repo: "locked" };
    const lockedMain = fake.setBranch("acme/locked", "main", { "a.txt": "1\n" });
    fake.setBranch("acme/locked", "side", { "a.txt": "2\n" });
    const tree = fake.commitInfo("acme/locked", lockedMain).tree;
    fake.denyWrites("acme/locked");
    const docs = "https://docs.github.com/rest";
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => client.request("POST /repos/{owner}/{repo}/git/blobs", { ...locked, content: "x" }), `${docs}/git/blobs#create-a-blob`, "contents=write"],
      [() => client.request("POST /repos/{owner}/{repo}/git/trees", { ...locked, base_tree: tree, tree: [{ path: "b", mode: "100644", type: "blob", content: "b" }] }), `${docs}/git/trees#create-a-tree`, "contents=write"],
      [() => client.request("POST /repos/{owner}/{repo}/git/commits", { ...locked, message: "m", tree, parents: [lockedMain] }), `${docs}/git/commits#create-a-commit`, "contents=write"],
      [() => client.request("POST /repos/{owner}/{repo}/git/refs", { ...locked, ref: "refs/heads/new", sha: lockedMain }), `${docs}/git/refs#create-a-reference`, "contents=write"],
      [() => client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...locked, ref: "heads/main", sha: lockedMain }), `${docs}/git/refs#update-a-reference`, "contents=write"],
      [() => client.request("POST /repos/{owner}/{repo}/pulls", { ...locked, title: "t", head: "side", base: "main" }), `${docs}/pulls/pulls#create-a-pull-request`, "pull_requests=write"],
    ];
    for (const [call, documentation_url, permission] of cases) {
      const refused = await rejection(call());
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ message: "Resource not accessible by integration", documentation_url, status: "403" });
      expect(refused.headers["x-accepted-github-permissions"]).toBe(permission);
    }
    // Reads still work, nothing was written, and other repositories are untouched.
    expect((await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...locked, ref: "heads/main" })).data.object.sha).toBe(lockedMain);
    expect(fake.branchSha("acme/locked", "new")).toBeUndefined();
    expect(fake.createdPulls("acme/locked")).toEqual([]);
    expect((await client.request("POST /repos/{owner}/{repo}/git/blobs", { ...repo, content: "x" })).status).toBe(201);
    fake.denyWrites("acme/locked", false);
    expect((await client.request("POST /repos/{owner}/{repo}/git/blobs", { ...locked, content: "x" })).status).toBe(201);
  });

  test("repository routes need an installation token, /app routes a valid JWT", async () => {
    expect((await fetch(`${fake.apiUrl}/repos/acme/widgets/pulls/9`)).status).toBe(401);
    expect((await fetch(`${fake.apiUrl}/repos/acme/widgets/pulls/9`, { headers: { authorization: "token ghs_madeup" } })).status).toBe(401);
    const jwtLike = await fetch(`${fake.apiUrl}/app`, { headers: { authorization: "Bearer a.b.c" } });
    expect(jwtLike.status).toBe(401);
    expect(await jwtLike.json()).toMatchObject({ message: "A JSON web token could not be decoded" });
  });
});

describe("fake GitHub: the App's OAuth web flow", () => {
  // GHES-style, so the web routes (/login/oauth/*) and the API (/api/v3/user) are seen to live apart.
  let fake: FakeGitHub;
  const callback = "http://critique.test/sign-in/github/callback";
  const authorize = (params: Record<string, string>) => fetch(`${fake.url}/login/oauth/authorize?${new URLSearchParams(params)}`, { redirect: "manual" });
  const codeFor = async (login: string) => {
    fake.authorizeAs(login);
    const res = await authorize({ client_id: fake.clientId, redirect_uri: callback, state: "s1" });
    return new URL(res.headers.get("location")!).searchParams.get("code")!;
  };
  const exchange = (fields: Record<string, string>, accept = "application/json") =>
    fetch(`${fake.url}/login/oauth/access_token`, { method: "POST", headers: { accept, "content-type": "application/json" }, body: JSON.stringify(fields) });
  const credentials = () => ({ client_id: fake.clientId, client_secret: fake.clientSecret });
  beforeAll(() => {
    fake = FakeGitHub.start({ pathPrefix: "/api/v3" });
  });
  afterAll(() => fake.stop());

  test("authorize: unknown client_id is GitHub's 404, nobody signed in is the login page, authorizeAs sends the browser back with a code", async () => {
    expect((await authorize({ client_id: "Iv23linope", redirect_uri: callback, state: "s1" })).status).toBe(404);
    const login = await authorize({ client_id: fake.clientId, redirect_uri: callback, state: "s1" });
    expect(login.status).toBe(200);
    expect(await login.text()).toContain("Sign in to GitHub");
    expect(fake.authorizeAs("octo-alice")).toMatchObject({ login: "octo-alice", type: "User" });
    const res = await authorize({ client_id: fake.clientId, redirect_uri: `${callback}?keep=1`, state: "s1" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(callback);
    expect(back.searchParams.get("keep")).toBe("1");
    expect(back.searchParams.get("state")).toBe("s1");
    expect(back.searchParams.get("code")).toMatch(/^[0-9a-f]{20}$/);
    expect(fake.requestsTo("GET /login/oauth/authorize")).toHaveLength(3);
  });

  test("authorize: Cancel is access_denied; a redirect_uri that is not a registered callback goes to the callback with redirect_uri_mismatch", async () => {
    fake.authorizeAs(null);
    const denied = new URL((await authorize({ client_id: fake.clientId, redirect_uri: callback, state: "s2" })).headers.get("location")!);
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({ error: "access_denied", error_description: "The user has denied your application access.", state: "s2" });
    const registered = FakeGitHub.start({ callbackUrls: [callback] });
    try {
      registered.authorizeAs("octo-alice");
      const res = await fetch(`${registered.url}/login/oauth/authorize?${new URLSearchParams({ client_id: registered.clientId, redirect_uri: "https://evil.example/cb", state: "s3" })}`, { redirect: "manual" });
      const location = new URL(res.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(callback);
      expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: "redirect_uri_mismatch", state: "s3" });
      const ok = await fetch(`${registered.url}/login/oauth/authorize?${new URLSearchParams({ client_id: registered.clientId, state: "s4" })}`, { redirect: "manual" });
      expect(new URL(ok.headers.get("location")!).searchParams.get("code")).toBeTruthy();
    } finally {
      registered.stop();
    }
  });

  test("access_token: GitHub's JSON answer once per code; reused or unknown codes are bad_verification_code, a wrong secret incorrect_client_credentials (all 200s)", async () => {
    const code = await codeFor("octo-alice");
    const wrongSecret = await exchange({ ...credentials(), client_secret: "0".repeat(40), code });
    expect(wrongSecret.status).toBe(200);
    expect(await wrongSecret.json()).toMatchObject({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
    const res = await exchange({ ...credentials(), code, redirect_uri: callback });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const token = (await res.json()) as Record<string, unknown>;
    expect(token).toEqual({ access_token: expect.stringMatching(/^ghu_[A-Za-z0-9]{36}$/), expires_in: 28800, refresh_token: expect.stringMatching(/^ghr_[A-Za-z0-9]{76}$/), refresh_token_expires_in: expect.any(Number), token_type: "bearer", scope: "" });
    for (const again of [code, "feedfacefeedfacefeed"]) {
      const bad = await exchange({ ...credentials(), code: again });
      expect(bad.status).toBe(200);
      expect(await bad.json()).toEqual({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired.", error_uri: expect.stringContaining("#bad-verification-code") });
    }
    expect(fake.userTokens).toContainEqual({ token: token.access_token as string, login: "octo-alice" });
  });

  test("access_token: form-encoded without Accept: application/json (and form bodies are read); a different redirect_uri is redirect_uri_mismatch", async () => {
    const code = await codeFor("octo-bob");
    const mismatch = await exchange({ ...credentials(), code, redirect_uri: "http://critique.test/elsewhere" });
    expect(((await mismatch.json()) as { error: string }).error).toBe("redirect_uri_mismatch");
    const res = await fetch(`${fake.url}/login/oauth/access_token`, { method: "POST", body: new URLSearchParams({ ...credentials(), code }) });
    expect(res.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
    const answer = new URLSearchParams(await res.text());
    expect(answer.get("access_token")).toStartWith("ghu_");
    expect(answer.get("token_type")).toBe("bearer");
  });

  test("GET /user on the API with the user token is the private-user; no token, a made-up one or an installation token is refused", async () => {
    const code = await codeFor("Octo-Carol");
    const { access_token } = (await (await exchange({ ...credentials(), code })).json()) as { access_token: string };
    const octokit = new Octokit({ baseUrl: fake.apiUrl, auth: access_token });
    const { data } = await octokit.request("GET /user");
    expect(data).toMatchObject({ login: "Octo-Carol", type: "User", url: `${fake.apiUrl}/users/Octo-Carol`, html_url: `${fake.url}/Octo-Carol`, two_factor_authentication: true });
    expect("private_gists" in data && data.private_gists).toBe(0);
    expect((await fetch(`${fake.url}/user`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(404);
    expect((await fetch(`${fake.apiUrl}/user`)).status).toBe(401);
    const madeUp = await fetch(`${fake.apiUrl}/user`, { headers: { authorization: "Bearer ghu_madeup" } });
    expect(await madeUp.json()).toMatchObject({ message: "Bad credentials", status: "401" });
    fake.addInstallation(5, "acme");
    fake.state.tokens.set("ghs_installation", { installationId: 5, expiresAt: Date.now() + 60_000 });
    const installation = await fetch(`${fake.apiUrl}/user`, { headers: { authorization: "token ghs_installation" } });
    expect(installation.status).toBe(403);
    expect(((await installation.json()) as { message: string }).message).toBe("Resource not accessible by integration");
  });

  test("the client id is the one GET /app shows, and env({ oauth: true }) hands Critique the client credentials", async () => {
    const app = createGitHubApp(loadConfig({ ...fake.env(), CRITIQUE_DATA_DIR: mkdtempSync(join(tmpdir(), "critique-fakes-")) }));
    expect((await app!.appClient.request("GET /app")).data?.client_id).toBe(fake.clientId);
    expect(fake.env({ oauth: true })).toMatchObject({ CRITIQUE_GITHUB_CLIENT_ID: fake.clientId, CRITIQUE_GITHUB_CLIENT_SECRET: fake.clientSecret, CRITIQUE_GITHUB_URL: fake.url, CRITIQUE_GITHUB_API_URL: fake.apiUrl });
    expect(fake.env()).not.toHaveProperty("CRITIQUE_GITHUB_CLIENT_ID");
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
