import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { ensureUser } from "../../src/auth/users.ts";
import { getBalance, grantCredits } from "../../src/credits/index.ts";
import { type CodingAgentHarness, readStream, startCodingAgent } from "../helpers/coding-agent.ts";
import { waitFor } from "../helpers/jobs.ts";

/** How runs end other than IDLE: cancel mid-turn, the idle TTL, limits, a balance that cannot pay, BYOK billing. */
let h: CodingAgentHarness;
beforeAll(async () => {
  h = await startCodingAgent({ env: { CRITIQUE_CREDITS: "enforce" }, codingAgent: { idleTtlSeconds: 1 } });
});
afterAll(() => h.stop());

const ctx = () => h.server.server.ctx;
let users = 0;
async function funded(credits: number) {
  const name = `payer-${users++}`;
  const user = await ensureUser(ctx(), name);
  if (credits > 0) await grantCredits(ctx(), { userId: user.id, amount: credits * 1_000_000 });
  return { key: await h.server.key(["read:builder", "write:builder"], name), userId: user.id };
}
const reservationOf = async (id: string) => {
  const { codingAgentRuns: r, creditReservations: c } = ctx().tables;
  const [run] = await ctx().db.select().from(r).where(eq(r.id, id));
  return run.reservationId ? (await ctx().db.select().from(c).where(eq(c.id, run.reservationId)))[0] : undefined;
};

describe("credits", () => {
  test("enforce mode refuses a run the balance cannot hold sandbox time for (402), and nothing is created", async () => {
    const { key, userId } = await funded(0);
    const { res, body } = await h.createRun(key, { prompt: "Do something" });
    expect(res.status).toBe(402);
    expect(body.error).toMatch(/Insufficient credits/);
    expect(await ctx().db.select().from(ctx().tables.codingAgentRuns).where(eq(ctx().tables.codingAgentRuns.userId, userId))).toEqual([]);
    expect(await ctx().db.select().from(ctx().tables.apiKeys).where(eq(ctx().tables.apiKeys.userId, userId))).toHaveLength(1);
  });

  test("sandbox time is held up front and settled once to the time used when the run ends (idle TTL → COMPLETED)", async () => {
    const { key, userId } = await funded(100);
    h.upstream.scriptFor("[ttl]", { say: "Nothing to change." });
    const { res, body } = await h.createRun(key, { prompt: "Look around [ttl]", limits: { maxMinutes: 10 } });
    expect(res.status).toBe(202);
    const held = await reservationOf(body.run.id);
    expect(held!.amount).toBe(6_000_000); // 10 minutes at 0.6 credits per minute
    const idle = await h.waitStatus(key, body.run.id, ["IDLE", "COMPLETED", "FAILED"], 30_000);
    expect(idle.status).toBe("IDLE");
    const done = await h.waitStatus(key, body.run.id, ["COMPLETED"], 10_000);
    expect(done.failureReason).toMatch(/idle for 1 s after turn 1/);
    // The end event is written once the sandbox is released and the hold settled.
    const { events } = await readStream(h.server, key, body.run.id, { until: (e) => e.some((x) => x.event === "end") });
    expect(events.filter((e) => e.event === "end")).toHaveLength(1);
    expect(existsSync(join(h.server.backends.dataDir, "coding-agent", body.run.id))).toBe(false);
    const settled = await reservationOf(body.run.id);
    expect(settled!.status).toBe("settled");
    // Balance = grant - tokens - sandbox time, nothing held any more.
    const balance = await getBalance(ctx(), userId);
    expect(balance.reserved).toBe(0);
    expect(100 - balance.available / 1_000_000).toBeCloseTo(done.creditsUsed, 6);
  }, 45_000);

  test("a run that spends its maxCredits stops EXPIRED with the reason, its patch so far kept", async () => {
    const { key } = await funded(100);
    // A free model: only sandbox time counts (0.6 credits a minute), so 0.15 credits last 15 s of the run: time
    // enough for the agent to boot and write a.txt on a loaded machine (5 s once was not), and less than the wait.
    h.upstream.scriptFor("[limit]", { tool: "write", filePath: "/workspace/a.txt", content: "a\n" }, { wait: 25_000 }, { tool: "write", filePath: "/workspace/b.txt", content: "b\n" }, { say: "done" });
    const { body } = await h.createRun(key, { prompt: "Write files [limit]", model: "other", limits: { maxCredits: 0.15 } });
    const run = await h.waitStatus(key, body.run.id, ["EXPIRED", "IDLE", "FAILED"], 40_000);
    expect(run.status).toBe("EXPIRED");
    expect(run.failureReason).toMatch(/maxCredits \(0\.15/);
    expect(run.creditsUsed).toBeGreaterThanOrEqual(0.15);
    const diff = await (await h.server.request(`/api/v1/coding-agent/runs/${run.id}/patch`, { key })).text();
    expect(diff).toContain("+++ b/a.txt");
    expect(diff).not.toContain("b.txt");
  }, 60_000);
});

describe("cancel", () => {
  test("cancelling mid-turn stops the agent; the run is CANCELLED, settled once, its patch so far kept", async () => {
    const { key } = await funded(100);
    h.upstream.scriptFor("[cancel]", { tool: "write", filePath: "/workspace/first.txt", content: "1\n" }, { wait: 20_000 });
    const { body } = await h.createRun(key, { prompt: "Slow work [cancel]" });
    await readStream(h.server, key, body.run.id, { until: (e) => e.some((x) => x.event === "tool.result") });
    const res = await h.server.request(`/api/v1/coding-agent/runs/${body.run.id}/cancel`, { method: "POST", key });
    expect(res.status).toBe(200);
    const { events } = await readStream(h.server, key, body.run.id, { until: (e) => e.some((x) => x.event === "end") });
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "CANCELLED", reason: "cancelled through the API" } });
    const run = await h.getRun(key, body.run.id);
    expect(run.status).toBe("CANCELLED");
    expect(await (await h.server.request(`/api/v1/coding-agent/runs/${run.id}/patch`, { key })).text()).toContain("+++ b/first.txt");
    expect((await reservationOf(run.id))!.status).toBe("settled");
    const again = await h.server.request(`/api/v1/coding-agent/runs/${run.id}/messages`, { method: "POST", key, json: { prompt: "more" } });
    expect(again.status).toBe(409);
  }, 45_000);
});

describe("cancel at once", () => {
  test("runs cancelled right after they were created (QUEUED or provisioning) still end: end event, hold settled, key revoked", async () => {
    const { key } = await funded(100);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { body } = await h.createRun(key, { prompt: `Cancel me ${i}` });
      if (i % 2) await Bun.sleep(150);
      expect((await h.server.request(`/api/v1/coding-agent/runs/${body.run.id}/cancel`, { method: "POST", key })).status).toBe(200);
      ids.push(body.run.id);
    }
    for (const id of ids) {
      const { events } = await readStream(h.server, key, id, { until: (e) => e.some((x) => x.event === "end") });
      expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "CANCELLED" } });
      expect((await reservationOf(id))!.status).toBe("settled");
      const [run] = await ctx().db.select().from(ctx().tables.codingAgentRuns).where(eq(ctx().tables.codingAgentRuns.id, id));
      const [runKey] = await ctx().db.select().from(ctx().tables.apiKeys).where(eq(ctx().tables.apiKeys.id, run.runKeyId!));
      expect(runKey.revokedAt).not.toBeNull();
      // Resuming at the end has nothing to wait for: the stream closes at once.
      const resumed = await readStream(h.server, key, id, { lastEventId: String(events.at(-1)!.id), timeoutMs: 3_000 });
      expect(resumed).toMatchObject({ status: 200, events: [], comments: 0 });
    }
  }, 60_000);
});

describe("billing: openrouter (BYOK)", () => {
  test("model calls go upstream with the user's own key and are recorded, not charged; only sandbox time is", async () => {
    const { key, userId } = await funded(100);
    const ownKey = "sk-or-v1-own-key-of-the-user-0123456789";
    expect((await h.server.request("/api/v1/account/openrouter-key", { method: "PUT", key, json: { apiKey: ownKey } })).status).toBe(200);
    const before = h.upstream.fake.completions.length;
    h.upstream.scriptFor("[byok]", { tool: "write", filePath: "/workspace/x.txt", content: "x\n" }, { say: "ok" });
    const { res, body } = await h.createRun(key, { prompt: "Write x [byok]", billing: "openrouter" });
    expect(res.status).toBe(202);
    const run = await h.waitStatus(key, body.run.id, ["IDLE", "FAILED"], 30_000);
    expect(run).toMatchObject({ status: "IDLE", billing: "openrouter" });
    const calls = h.upstream.fake.completions.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) expect(call.headers.authorization).toBe(`Bearer ${ownKey}`);
    const [row] = await ctx().db.select().from(ctx().tables.codingAgentRuns).where(eq(ctx().tables.codingAgentRuns.id, run.id));
    // Usage rows are written in batches shortly after each call.
    const usage = await waitFor("every call's usage row", async () => {
      const rows = await ctx().db.select().from(ctx().tables.inferenceUsage).where(eq(ctx().tables.inferenceUsage.keyId, row.runKeyId!));
      return rows.length === calls.length && rows;
    });
    expect(usage.every((u) => u.byok && u.cost === 0 && u.promptTokens > 0)).toBe(true);
    await readStream(h.server, key, run.id, { until: (e) => e.some((x) => x.event === "end"), timeoutMs: 10_000 });
    const balance = await getBalance(ctx(), userId);
    const done = await h.getRun(key, run.id);
    expect(100 - balance.available / 1_000_000).toBeCloseTo(done.creditsUsed, 6);
    expect(done.creditsUsed).toBeGreaterThan(0);
  }, 45_000);
});
