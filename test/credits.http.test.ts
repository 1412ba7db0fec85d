import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { findUserByName } from "../src/auth/users.ts";
import { grantCredits, MICRO_PER_CREDIT, reserveCredits } from "../src/credits/index.ts";
import { securitySuite } from "./helpers/security.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ CRITIQUE_CREDITS: "enforce" });
});
afterAll(() => s.stop());

interface CreditsBody {
  mode: string;
  balance: number;
  reserved: number;
  entries: { id: string; kind: string; amount: number; balanceAfter: number; reference: string | null; memo: string | null; createdAt: string }[];
  nextCursor: string | null;
}

const userId = async (name: string) => (await findUserByName(s.server.ctx, name))!.id;

describe("GET /api/v1/credits", () => {
  test("a new user sees a zero balance and an empty ledger", async () => {
    const key = await s.key(["read:reviews"], "newcomer");
    const res = await s.request("/api/v1/credits", { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ mode: "enforce", balance: 0, reserved: 0, entries: [], nextCursor: null });
  });

  test("shows the caller's own balance, held credits and ledger in decimal credits, newest first", async () => {
    const key = await s.key(["inference"], "carol");
    await s.key(["inference"], "dave");
    const ctx = s.server.ctx;
    await grantCredits(ctx, { userId: await userId("carol"), amount: 12.5 * MICRO_PER_CREDIT, memo: "starter" });
    await reserveCredits(ctx, { userId: await userId("carol"), amount: 0.000001 * MICRO_PER_CREDIT, reference: "review:42" });
    await grantCredits(ctx, { userId: await userId("dave"), amount: 99 * MICRO_PER_CREDIT });

    const body = (await (await s.request("/api/v1/credits", { key })).json()) as CreditsBody;
    expect(body).toMatchObject({ balance: 12.499999, reserved: 0.000001, nextCursor: null });
    expect(body.entries.map((e) => [e.kind, e.amount, e.balanceAfter, e.reference, e.memo])).toEqual([
      ["reserve", -0.000001, 12.499999, "review:42", null],
      ["grant", 12.5, 12.5, null, "starter"],
    ]);
    expect(Date.parse(body.entries[0].createdAt)).toBeGreaterThan(0);
  });

  test("pages with limit and cursor", async () => {
    const key = await s.key(["read:reviews"], "erin");
    for (let i = 1; i <= 3; i++) await grantCredits(s.server.ctx, { userId: await userId("erin"), amount: i * MICRO_PER_CREDIT });
    const first = (await (await s.request("/api/v1/credits?limit=2", { key })).json()) as CreditsBody;
    expect(first.entries.map((e) => e.amount)).toEqual([3, 2]);
    const second = (await (await s.request(`/api/v1/credits?limit=2&cursor=${first.nextCursor}`, { key })).json()) as CreditsBody;
    expect(second.entries.map((e) => e.amount)).toEqual([1]);
    expect(second.nextCursor).toBeNull();
  });

  test.each([
    ["limit=0", /^limit: /],
    ["limit=101", /^limit: /],
    ["limit=abc", /^limit: /],
    ["cursor=not-a-cursor", /^cursor: must be a nextCursor value/],
  ])("?%s is a 422 naming the field", async (query, pattern) => {
    const key = await s.key(["read:reviews"], "frank");
    const res = await s.request(`/api/v1/credits?${query}`, { key });
    expect(res.status).toBe(422);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(((await res.json()) as { error: string }).error).toMatch(pattern);
  });

  securitySuite(() => s, { method: "GET", path: "/api/v1/credits" });
});
