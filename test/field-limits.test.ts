import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MergeGateWorld, REPO, startWorld } from "./merge-gate/harness.ts";

/**
 * Per-field limits (issue 19): a free-text field over its maximum is a 422 `{ "error": "<field>: … <limit> …" }`
 * (a schema violation of a body within the byte limit; 413 is the whole body's size, refused before parsing). At
 * the limit the field is accepted: the route may still refuse the request, but never for the field's length.
 */
let w: MergeGateWorld;
const keys: Record<string, string> = {};
beforeAll(async () => {
  w = await startWorld();
  keys.reviews = w.alice;
  keys.webhooks = await w.s.key(["manage:webhooks"], "alice");
  keys.builder = await w.s.key(["write:builder", "read:builder"], "alice");
  keys.admin = await w.s.key(["admin"], "alice");
});
afterAll(() => w.stop());

const x = (n: number) => "x".repeat(n);
const secret = "s".repeat(40);
const review = (extra: Record<string, unknown>) => ({ repositoryFullName: REPO, pullRequestNumber: 7, headSha: "abcdef1", ...extra });

interface Case {
  group: string;
  field: string;
  limit: number;
  key: keyof typeof keys;
  path: string;
  method?: "PUT";
  /** The request body (or, for GET, the query string) with the field `n` characters long. */
  body(n: number): Record<string, unknown> | string;
}

const cases: Case[] = [
  { group: "reviews", field: "pullRequestTitle", limit: 500, key: "reviews", path: "/api/v1/reviews", body: (n) => review({ pullRequestTitle: x(n) }) },
  { group: "reviews", field: "repositoryFullName", limit: 200, key: "reviews", path: "/api/v1/reviews", body: (n) => review({ repositoryFullName: `a/${x(n - 2)}` }) },
  { group: "reviews", field: "webhook.url", limit: 2_000, key: "reviews", path: "/api/v1/reviews", body: (n) => review({ webhook: { url: `https://example.com/${x(n - 20)}`, secret } }) },
  { group: "reviews", field: "webhook.secret", limit: 500, key: "reviews", path: "/api/v1/reviews", body: (n) => review({ webhook: { url: "https://example.com/hook", secret: x(n) } }) },
  { group: "review runs", field: "repository", limit: 200, key: "reviews", path: "/api/v1/review-runs", body: (n) => `repository=a/${x(n - 2)}` },
  { group: "webhook endpoints", field: "description", limit: 200, key: "webhooks", path: "/api/v1/webhook-endpoints", body: (n) => ({ url: "https://example.com/hook", secret, description: x(n) }) },
  { group: "webhook endpoints", field: "secret", limit: 500, key: "webhooks", path: "/api/v1/webhook-endpoints", body: (n) => ({ url: "https://example.com/hook", secret: x(n) }) },
  { group: "webhook endpoints", field: "url", limit: 2_000, key: "webhooks", path: "/api/v1/webhook-endpoints", body: (n) => ({ url: `https://example.com/${x(n - 20)}`, secret }) },
  { group: "coding agent", field: "prompt", limit: 100_000, key: "builder", path: "/api/v1/coding-agent/runs", body: (n) => ({ prompt: x(n) }) },
  { group: "coding agent", field: "webhook.url", limit: 2_000, key: "builder", path: "/api/v1/coding-agent/runs", body: (n) => ({ prompt: "Fix it", webhook: { url: `https://example.com/${x(n - 20)}`, secret } }) },
  { group: "coding agent", field: "pullRequestTitle", limit: 256, key: "builder", path: "/api/v1/coding-agent/runs", body: (n) => ({ prompt: "Fix it", pullRequestTitle: x(n) }) },
  { group: "coding agent", field: "apiKey", limit: 500, key: "builder", method: "PUT", path: "/api/v1/account/openrouter-key", body: (n) => ({ apiKey: x(n) }) },
  { group: "admin jobs", field: "dedupeKey", limit: 200, key: "admin", path: "/api/v1/admin/jobs", body: (n) => ({ name: "system.echo", dedupeKey: x(n) }) },
  { group: "admin jobs", field: "name", limit: 100, key: "admin", path: "/api/v1/admin/jobs", body: (n) => ({ name: x(n) }) },
];

async function send(c: Case, n: number): Promise<{ status: number; body: any }> {
  const body = c.body(n);
  const res = typeof body === "string" ? await w.s.request(`${c.path}?${body}`, { key: keys[c.key] }) : await w.s.request(c.path, { method: c.method ?? "POST", key: keys[c.key], json: body });
  return { status: res.status, body: await res.json() };
}

for (const group of [...new Set(cases.map((c) => c.group))]) {
  describe(group, () => {
    for (const c of cases.filter((one) => one.group === group)) {
      test(`${c.field}: ${c.limit} characters pass, ${c.limit + 1} are a 422 naming the field`, async () => {
        const atLimit = await send(c, c.limit);
        expect(atLimit.status).not.toBe(500);
        // Refused for something else maybe (an unresolvable host, a job type), but not for the field's length.
        expect(atLimit.body.error ?? "").not.toMatch(/at most \d+ characters|too big/i);
        const over = await send(c, c.limit + 1);
        expect(over.status).toBe(422);
        expect(Object.keys(over.body)).toEqual(["error"]);
        expect(over.body.error).toStartWith(`${c.field}:`);
        expect(over.body.error).toContain(String(c.limit));
      });
    }
  });
}
