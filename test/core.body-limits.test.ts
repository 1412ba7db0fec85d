import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exceedsDepth } from "../src/http/json-body.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

/** Bounded work per request body (issue 19): bytes and nesting are checked before anything parses or validates. */
let s: TestServer;
let key: string;
beforeAll(async () => {
  s = await startTestServer({ CRITIQUE_MAX_BODY_BYTES: String(64 * 1024) });
  key = await s.key(["write:reviews", "inference"]);
});
afterAll(() => s.stop());

const post = (path: string, body: string | ReadableStream, headers: Record<string, string> = {}) =>
  fetch(`${s.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit);
const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

describe("depth", () => {
  test("the depth check is linear, skips strings and stops at the limit", () => {
    expect(exceedsDepth(nested(64))).toBe(false);
    expect(exceedsDepth(nested(65))).toBe(true);
    expect(exceedsDepth(JSON.stringify({ text: "[".repeat(10_000) }))).toBe(false);
    expect(exceedsDepth(JSON.stringify({ text: '\\"[[[' }))).toBe(false);
    // Escapes inside strings: an escaped quote does not end the string, an escaped backslash before a quote does.
    expect(exceedsDepth(JSON.stringify({ a: '\\', b: "[".repeat(100) }))).toBe(false);
    expect(exceedsDepth(`${JSON.stringify({ a: 'x\\\\"[[' })}`)).toBe(false);
    expect(exceedsDepth(`{"a":"\\\\"${"[".repeat(65)}`)).toBe(true);
    expect(exceedsDepth(`{"a":"\\"${"[".repeat(65)}"}`)).toBe(false);
  });

  test("a deeply nested body is a 400 naming the limit, on validated routes and on the Inference API", async () => {
    const review = await post("/api/v1/reviews", nested(20_000));
    expect(review.status).toBe(400);
    expect(await review.json()).toEqual({ error: "Request body nests deeper than 64 levels" });
    const completion = await post("/api/v1/chat/completions", `{"model":"m","messages":${nested(5_000)}}`);
    expect(completion.status).toBe(400);
    expect(((await completion.json()) as any).error.message).toMatch(/nests deeper than 64 levels/);
  });
});

describe("size", () => {
  test("a body over CRITIQUE_MAX_BODY_BYTES is 413, declared or streamed, on validated routes and on the Inference API", async () => {
    const big = JSON.stringify({ repositoryFullName: "a/b", pullRequestNumber: 1, headSha: "abcdef1", pullRequestTitle: "x".repeat(70 * 1024) });
    const declared = await post("/api/v1/reviews", big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as any).error).toMatch(/^Request body is larger than/);
    let sent = 0;
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    const stream = () => new ReadableStream({ pull: (c) => (sent++ < 8 ? c.enqueue(chunk) : c.close()) });
    const streamed = await post("/api/v1/reviews", stream());
    expect(streamed.status).toBe(413);
    sent = 0;
    const completion = await post("/api/v1/chat/completions", stream());
    expect(completion.status).toBe(413);
    expect(((await completion.json()) as any).error.message).toMatch(/larger than/);
  });

  test("an ordinary body still parses and validates as before", async () => {
    const res = await post("/api/v1/reviews", JSON.stringify({ repositoryFullName: "a/b" }));
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).error).toMatch(/pullRequestNumber/);
  });
});
