import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { revokeKey } from "../src/auth/keys.ts";
import { loadConfig } from "../src/config/index.ts";
import { call, connectMcp, rawPost, textOf } from "./helpers/mcp.ts";
import { type MergeGateWorld, REPO, startWorld } from "./merge-gate/harness.ts";

// POST /api/mcp as a protocol endpoint: keys, Origin, scopes, JSON-RPC and tool errors. The tools' work is in
// mcp.tools.test.ts.
let w: MergeGateWorld;
const IDE_ORIGIN = "https://ide.example.com";
beforeAll(async () => {
  w = await startWorld({ env: { CRITIQUE_MCP_ALLOWED_ORIGINS: IDE_ORIGIN } });
});
afterAll(() => w.stop());

const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });

// The spec's scope table ("MCP for IDE agents"): which tools each scope opens.
const BY_SCOPE = {
  "write:reviews": ["queue_review", "queue_remedy", "queue_checkpoint"],
  "read:reviews": ["get_review_run", "list_review_runs", "get_remedy_status", "get_merge_policy_outcome"],
  "read:passports": ["list_passports", "get_passport", "export_passport"],
} as const;
const ALL_TOOLS = Object.values(BY_SCOPE).flat();

describe("keys", () => {
  test("no key: 401 with WWW-Authenticate and a JSON-RPC error body; the SDK client cannot connect", async () => {
    const res = await rawPost(w.s.url, initialize);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await res.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32000, message: expect.stringContaining("Missing API key") } });
    await expect(connectMcp(w.s.url, undefined)).rejects.toMatchObject({ code: 401 });
  });

  test("a malformed, unknown or revoked key: 401 invalid_token, on every request (stateless: revocation is immediate)", async () => {
    for (const key of ["crt_not_a_real_key", `crt_${"a".repeat(40)}`]) {
      const res = await rawPost(w.s.url, initialize, { authorization: `Bearer ${key}` });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    const key = await w.s.key(["read:reviews"], "alice");
    const client = await connectMcp(w.s.url, key);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    const ctx = w.s.server.ctx;
    const [row] = await ctx.db.select().from(ctx.tables.apiKeys).where(eq(ctx.tables.apiKeys.name, "test-read:reviews"));
    await revokeKey(ctx, row.id);
    await expect(client.listTools()).rejects.toMatchObject({ code: 401 });
  });
});

describe("Origin", () => {
  test("a foreign Origin is refused with 403 before the key is even looked at", async () => {
    const attempts: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { origin: "https://evil.example", authorization: `Bearer ${w.alice}` }];
    for (const headers of attempts) {
      const res = await rawPost(w.s.url, initialize, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32000, message: expect.stringContaining("is not allowed") } });
    }
    await expect(connectMcp(w.s.url, w.alice, { origin: "https://evil.example" })).rejects.toMatchObject({ code: 403 });
  });

  test("no Origin, the server's own origin and CRITIQUE_MCP_ALLOWED_ORIGINS are allowed", async () => {
    for (const origin of [undefined, new URL(w.s.server.ctx.config.publicUrl).origin, IDE_ORIGIN]) {
      const client = await connectMcp(w.s.url, w.alice, origin ? { origin } : {});
      await client.ping();
      await client.close();
    }
  });

  test("CRITIQUE_MCP_ALLOWED_ORIGINS is checked at start-up", () => {
    expect(() => loadConfig({ CRITIQUE_MCP_ALLOWED_ORIGINS: "https://a.example/path" })).toThrow(/CRITIQUE_MCP_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ CRITIQUE_MCP_ALLOWED_ORIGINS: "not a url" })).toThrow(/CRITIQUE_MCP_ALLOWED_ORIGINS/);
    expect(loadConfig({ CRITIQUE_MCP_ALLOWED_ORIGINS: "https://a.example, http://localhost:3000" }).env.CRITIQUE_MCP_ALLOWED_ORIGINS).toBeDefined();
  });
});

describe("protocol", () => {
  test("initialize names the server and its tools capability; ping answers", async () => {
    const client = await connectMcp(w.s.url, w.alice);
    expect(client.getServerVersion()).toMatchObject({ name: "critique" });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toContain("queue_review");
    expect(await client.ping()).toEqual({});
  });

  test("JSON-RPC errors in MCP shapes: bad JSON, not JSON-RPC, unknown method; GET is 405; never a 500", async () => {
    const auth = { authorization: `Bearer ${w.alice}` };
    const bad = await rawPost(w.s.url, "{ not json", auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe(-32700);
    const notRpc = await rawPost(w.s.url, JSON.stringify({ hello: "world" }), auth);
    expect(notRpc.status).toBe(400);
    expect(((await notRpc.json()) as any).error.code).toBeLessThan(-32000);
    const unknown = await rawPost(w.s.url, JSON.stringify({ jsonrpc: "2.0", id: 7, method: "resources/list" }), auth);
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32601 } });
    const get = await fetch(`${w.s.url}/api/mcp`, { headers: { ...auth, accept: "text/event-stream" } });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const huge = await rawPost(w.s.url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(1_100_000) } }), auth);
    expect(huge.status).toBe(413);
  });
});

describe("scopes", () => {
  test("tools/list shows exactly the tools the key's scopes allow; admin sees all ten", async () => {
    const cases: [string[], string[]][] = [
      [["read:reviews"], [...BY_SCOPE["read:reviews"]]],
      [["write:reviews"], [...BY_SCOPE["write:reviews"]]],
      [["read:passports"], [...BY_SCOPE["read:passports"]]],
      [["read:reviews", "write:reviews", "read:passports"], ALL_TOOLS],
      [["admin"], ALL_TOOLS],
      [["inference"], []],
    ];
    for (const [scopes, expected] of cases) {
      const client = await connectMcp(w.s.url, await w.s.key(scopes as never, "alice"));
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect({ scopes, names: names.sort() }).toEqual({ scopes, names: [...expected].sort() });
      await client.close();
    }
  });

  test("every tool's input schema is strict and documents every field", async () => {
    const client = await connectMcp(w.s.url, await w.s.key(["admin"], "alice"));
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(10);
    for (const tool of tools) {
      expect({ tool: tool.name, strict: tool.inputSchema.additionalProperties }).toEqual({ tool: tool.name, strict: false });
      expect(tool.description?.length).toBeGreaterThan(40);
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect({ tool: tool.name, field, described: typeof (schema as any).description === "string" }).toEqual({ tool: tool.name, field, described: true });
      }
    }
    expect(tools.find((t) => t.name === "get_review_run")?.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === "queue_review")?.annotations).toMatchObject({ readOnlyHint: false });
  });

  test("calling a tool the key lacks the scope for is a tool error naming the scope, before the arguments are read", async () => {
    const reader = await connectMcp(w.s.url, await w.s.key(["read:reviews"], "alice"));
    for (const args of [{ repositoryFullName: REPO, pullRequestNumber: 1, headSha: "abcdef1" }, { nonsense: true }]) {
      const result = await call(reader, "queue_review", args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe("API key lacks required scope: write:reviews");
      expect(result._meta?.["critique/error"]).toEqual({ code: "FORBIDDEN", status: 403 });
    }
    const passports = await call(reader, "export_passport", { passportId: "x" });
    expect(textOf(passports)).toBe("API key lacks required scope: read:passports");
  });
});

describe("bad arguments", () => {
  test("are tool errors that name the field, never a 500", async () => {
    const client = await connectMcp(w.s.url, w.alice);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["queue_review", { repositoryFullName: REPO, pullRequestNumber: -1, headSha: "abcdef1" }, /pullRequestNumber/],
      ["queue_review", { repositoryFullName: "no-slash", pullRequestNumber: 1, headSha: "abcdef1" }, /repositoryFullName/],
      ["queue_review", { repositoryFullName: REPO, pullRequestNumber: 1, headSha: "abcdef1", extra: 1 }, /extra/],
      ["queue_review", { repositoryFullName: REPO, pullRequestNumber: 1, headSha: "abcdef1", webhook: { url: "https://example.com/h", secret: "short" } }, /webhook\.secret/],
      ["get_review_run", {}, /reviewRunId/],
      ["list_review_runs", { limit: 1000 }, /limit/],
      ["get_merge_policy_outcome", {}, /reviewRunId, passportId, or repositoryFullName/],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(client, name, args);
      expect({ name, isError: result.isError }).toEqual({ name, isError: true });
      expect(textOf(result)).toMatch(message);
    }
    const unknownTool = await call(client, "drop_database", {});
    expect(unknownTool.isError).toBe(true);
    expect(textOf(unknownTool)).toContain("drop_database");
  });
});

test("the MCP Inspector's CLI (offline, from node_modules) lists and calls the tools, with no schema error", async () => {
  const inspector = resolve(import.meta.dir, "../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
  const home = mkdtempSync(join(tmpdir(), "critique-inspector-"));
  const run = async (...args: string[]) => {
    const proc = Bun.spawn([process.execPath, inspector, "--cli", `${w.s.url}/api/mcp`, "--transport", "http", "--header", `Authorization: Bearer ${w.alice}`, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: home, MCP_CATALOG_PATH: join(home, "mcp.json") },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, code };
  };
  try {
    const listed = await run("--method", "tools/list", "--strict");
    expect({ code: listed.code, stderr: listed.stderr.includes("Error:") ? listed.stderr : "" }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(listed.stdout).tools.map((t: any) => t.name)).toContain("queue_review");
    const called = await run("--method", "tools/call", "--tool-name", "list_review_runs", "--tool-arg", "limit=1");
    expect(called.code).toBe(0);
    expect(JSON.parse(called.stdout).structuredContent).toHaveProperty("reviewRuns");
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 60_000);
