import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { securitySuite } from "../helpers/security.ts";
import { type FailingPull, leakyFile, type RemedyHarness, startRemedyHarness } from "../helpers/remedy.ts";

/** The remedy routes' errors (clear 4xx, nothing written) and security (keys, scopes, someone else's runs). */
let h: RemedyHarness;
let pull: FailingPull;
let other: FailingPull;
let bob: string;
beforeAll(async () => {
  h = await startRemedyHarness();
  pull = await h.failingPull({ "src/routes-a.ts": leakyFile("a") });
  other = await h.failingPull({ "src/routes-b.ts": leakyFile("b") });
  bob = await h.server.key(["read:reviews", "write:reviews"], "bob");
});
afterAll(() => h.stop());

const ctx = () => h.server.server.ctx;
const remedies = async () => ctx().db.select().from(ctx().tables.remedyRuns).where(eq(ctx().tables.remedyRuns.reviewRunId, pull.reviewRunId));

async function expectRefused(body: Record<string, unknown>, status: number, pattern: RegExp, reviewRunId = pull.reviewRunId, key = h.key) {
  const { res, body: answer } = await h.queueRemedy(reviewRunId, body, key);
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(Object.keys(answer)).toEqual(["error"]);
  expect(answer.error).toMatch(pattern);
}

describe("POST /api/v1/review-runs/{id}/remedy: bad input is a clear 4xx and queues nothing", () => {
  test("a finding of another review run, an unknown fingerprint, nothing of the chosen severities (422)", async () => {
    await expectRefused({ findingIds: [other.findings[0].id] }, 422, new RegExp(`findingIds: ${other.findings[0].id} is not a finding of review run ${pull.reviewRunId}`));
    await expectRefused({ fingerprints: ["sec:nope"] }, 422, /fingerprints: sec:nope is not reported by review run/);
    await expectRefused({ severities: ["INFO"] }, 422, /Nothing to remedy: .* no findings of severity INFO/);
    expect(await remedies()).toEqual([]);
  });

  test("limits above the server's, an unknown model, unknown fields, wrong types (422)", async () => {
    await expectRefused({ limits: { maxTurns: 3 } }, 422, /limits\.maxTurns: at most 2 for a remedy on this server/);
    await expectRefused({ limits: { maxMinutes: 16 } }, 422, /limits\.maxMinutes: at most 15/);
    await expectRefused({ model: "gpt-nope" }, 422, /model: unknown model "gpt-nope"/);
    await expectRefused({ surprise: true }, 422, /surprise/);
    await expectRefused({ severities: ["CRITICAL"] }, 422, /severities/);
    await expectRefused({ findingIds: [] }, 422, /findingIds/);
    expect(await remedies()).toEqual([]);
  });

  test("a review run that is not COMPLETED is 409 saying so", async () => {
    const t = ctx().tables.reviewRuns;
    await ctx().db.update(t).set({ status: "IN_PROGRESS" }).where(eq(t.id, pull.reviewRunId));
    try {
      await expectRefused({}, 409, new RegExp(`Review run ${pull.reviewRunId} is IN_PROGRESS: a remedy starts from a COMPLETED review`));
    } finally {
      await ctx().db.update(t).set({ status: "COMPLETED" }).where(eq(t.id, pull.reviewRunId));
    }
    expect(await remedies()).toEqual([]);
  });

  test("an unknown review run, and someone else's, are the same 404", async () => {
    await expectRefused({}, 404, /Review run nope not found/, "nope");
    await expectRefused({}, 404, new RegExp(`Review run ${pull.reviewRunId} not found`), pull.reviewRunId, bob);
    expect(await remedies()).toEqual([]);
  });
});

describe("someone else's remedy", () => {
  test("GET, patch and cancel of alice's remedy are 404 for bob, exactly as for an id that does not exist", async () => {
    h.upstream.scriptFor("src/routes-a.ts", { say: "Not touching it." }, { say: "Still not." });
    const { body } = await h.queueRemedy(pull.reviewRunId);
    const id = body.remedyRun.remedyRunId;
    for (const [method, path] of [["GET", ""], ["GET", "/patch"], ["POST", "/cancel"]]) {
      const theirs = await h.server.request(`/api/v1/remedy-runs/${id}${path}`, { method, key: bob });
      const missing = await h.server.request(`/api/v1/remedy-runs/nope${path}`, { method, key: bob });
      expect([theirs.status, missing.status]).toEqual([404, 404]);
      expect(((await theirs.json()) as any).error).toBe(`Remedy run ${id} not found`);
    }
    expect((await h.waitRemedy(id, ["FAILED", "COMPLETED"])).status).toBe("FAILED"); // bob's cancel did nothing
  }, 60_000);
});

describe("security", () => {
  securitySuite(() => h.server, { method: "POST", path: "/api/v1/review-runs/some-id/remedy", scope: "write:reviews", json: {} });
  securitySuite(() => h.server, { method: "GET", path: "/api/v1/remedy-runs/some-id", scope: "read:reviews" });
  securitySuite(() => h.server, { method: "GET", path: "/api/v1/remedy-runs/some-id/patch", scope: "read:reviews" });
  securitySuite(() => h.server, { method: "POST", path: "/api/v1/remedy-runs/some-id/cancel", scope: "write:reviews" });
});
