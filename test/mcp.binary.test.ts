import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyBundle } from "../plugins/merge-gate/passports/verify.ts";
import { FakeGitHub } from "./fakes/github.ts";
import { type BinaryServer, ensureBinary, runCli, startBinary } from "./helpers/binary.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { call, callOk, connectMcp, pollRunOverMcp, rawPost, textOf } from "./helpers/mcp.ts";
import { BASE_SHA, INSTALLATION, REPO, routeFile, secretFile } from "./merge-gate/harness.ts";

// The MCP endpoint from the compiled binary: the SDK's server, transport and zod schemas all run from inside it.
let cwd: string;
let backends: TestBackends;
let env: Record<string, string>;
let server: BinaryServer;
const gh = FakeGitHub.start();

beforeAll(async () => {
  await ensureBinary();
  cwd = mkdtempSync(join(tmpdir(), "critique-bin-mcp-"));
  backends = await createBackends();
  gh.addRepo(REPO, { installationId: INSTALLATION });
  env = { ...backends.env, ...gh.env() };
  server = await startBinary(cwd, env);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  gh.stop();
  await backends?.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

const mintKey = async (scopes: string) => JSON.parse((await runCli(["keys", "create", "--name", "mcp", "--user", "alice", "--scopes", scopes, "--json"], cwd, env)).stdout).key as string;

test("an MCP client drives a review from the binary: list, queue, poll, export; scopes, keys and Origin enforced", async () => {
  expect((await runCli(["installations", "grant", "--installation", String(INSTALLATION), "--user", "alice"], cwd, env)).code).toBe(0);
  const key = await mintKey("read:reviews,write:reviews,read:passports");
  const head = "e".repeat(40);
  gh.addPull(REPO, { number: 11, title: "Binary MCP", base: { ref: "main", sha: BASE_SHA }, head: { ref: "f", sha: head }, files: [secretFile, routeFile] });

  const client = await connectMcp(server.url, key);
  expect((await client.listTools()).tools).toHaveLength(10);
  const queued = await callOk(client, "queue_review", { repositoryFullName: REPO, pullRequestNumber: 11, headSha: head });
  const { reviewRun, text } = await pollRunOverMcp(client, queued.structured.review.reviewRunId);
  expect(reviewRun).toMatchObject({ status: "COMPLETED", verdict: "FAIL" });
  expect(reviewRun.findings.map((f: any) => f.specialist)).toContain("SECURITY");
  expect(text).toStartWith("FAIL");

  const exported = await callOk(client, "export_passport", { passportId: reviewRun.changePassportId });
  expect(verifyBundle(textOf(exported.result, 1))).toMatchObject({ valid: true });

  const badArgs = await call(client, "get_review_run", { reviewRunId: 42 });
  expect(badArgs.isError).toBe(true);
  expect(textOf(badArgs)).toContain("reviewRunId");

  const reader = await connectMcp(server.url, await mintKey("read:reviews"));
  expect((await reader.listTools()).tools.map((t) => t.name)).not.toContain("queue_review");
  expect(textOf(await call(reader, "queue_review", { repositoryFullName: REPO, pullRequestNumber: 11, headSha: head }))).toBe("API key lacks required scope: write:reviews");

  const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
  const noKey = await rawPost(server.url, initialize);
  expect(noKey.status).toBe(401);
  expect(noKey.headers.get("www-authenticate")).toContain("Bearer");
  expect((await rawPost(server.url, initialize, { authorization: `Bearer ${key}`, origin: "https://evil.example" })).status).toBe(403);
}, 90_000);
