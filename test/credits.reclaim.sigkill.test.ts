import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { createKey } from "../src/auth/keys.ts";
import { ensureUser } from "../src/auth/users.ts";
import type { AppContext } from "../src/context.ts";
import { getBalance, grantCredits, MICRO_PER_CREDIT } from "../src/credits/index.ts";
import { FakeOpenAI } from "./fakes/openai.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";
import { closeContext, jobContext, serveProcesses, waitFor } from "./helpers/jobs.ts";

/**
 * Issue 18, end to end: `critique serve` is SIGKILLed under inference load, with credit blocks open (they only
 * retire when used up here). A new server reclaims them: the balance ends at exactly the grant minus the costs of
 * the usage rows the dead process wrote, with nothing reserved. Short credit leases so this takes seconds.
 */
const GRANT = 1_000 * MICRO_PER_CREDIT;
let backends: TestBackends;
let ctx: AppContext; // not a worker: mints the key, reads rows
let upstream: FakeOpenAI;
let env: Record<string, string>;
const servers = serveProcesses();

beforeAll(async () => {
  backends = await createBackends();
  upstream = FakeOpenAI.start();
  upstream.responder = () => ({ content: "ok", delayMs: 5 });
  const config = {
    providers: [{ id: "primary", baseUrl: upstream.baseURL, timeoutMs: 5_000 }],
    models: [{ id: "fast", targets: [{ provider: "primary", model: "up-fast" }], inputPricePerMillion: 2, outputPricePerMillion: 8, maxOutputTokens: 1_000 }],
    inference: { creditBlockIdleMs: 600_000, creditBlockMaxAgeMs: 600_000 },
  };
  const file = join(mkdtempSync(join(tmpdir(), "critique-reclaim-")), "critique.yaml");
  writeFileSync(file, Bun.YAML.stringify(config));
  env = {
    ...backends.env,
    CRITIQUE_CONFIG: file,
    CRITIQUE_CREDITS: "enforce",
    CRITIQUE_CREDIT_LEASE_MS: "1500",
    CRITIQUE_CREDIT_RENEW_MS: "300",
    CRITIQUE_JOB_POLL_MS: "100",
    CRITIQUE_LOG_LEVEL: "info",
  };
  ctx = await jobContext(backends, { ...env, CRITIQUE_LOG_LEVEL: "silent" });
});
afterAll(async () => {
  await servers.killAll();
  await closeContext(ctx);
  upstream.stop();
  await backends.dispose();
});

const usageOf = async (userId: string) => {
  const u = ctx.tables.inferenceUsage;
  const [row] = await ctx.db.select({ total: sql<string | number | null>`sum(${u.cost})`, count: sql<string | number>`count(*)` }).from(u).where(eq(u.userId, userId));
  return { cost: Number(row?.total ?? 0), rows: Number(row?.count ?? 0) };
};

test(`credit blocks of a SIGKILLed server are reclaimed by the next one at their usage rows (${legName})`, async () => {
  const user = await ensureUser(ctx, "reclaim-load");
  const { key } = await createKey(ctx, { name: "load", user: user.name, scopes: ["inference"] });
  await grantCredits(ctx, { userId: user.id, amount: GRANT });
  const first = await servers.spawn(env);

  // Sixteen clients, one call after another each (every fourth streamed), until the server is gone.
  let stop = false;
  const call = (url: string, stream: boolean) =>
    fetch(`${url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fast", max_tokens: 50, stream, messages: [{ role: "user", content: "count my credits" }] }),
    }).then((r) => r.text());
  const clients = Array.from({ length: 16 }, async (_, i) => {
    for (let n = 0; !stop; n++) await call(first.url, (i + n) % 4 === 0).catch(() => undefined);
  });
  await waitFor("usage rows to be written", async () => (await usageOf(user.id)).rows >= 200, 30_000);
  expect(await first.signal("SIGKILL")).toBeNull();
  stop = true;
  await Promise.all(clients);

  const stranded = await getBalance(ctx, user.id);
  expect(stranded.openReservations).toBeGreaterThan(0);
  expect(stranded.reserved).toBeGreaterThan(0);

  const second = await servers.spawn(env);
  const settled = await waitFor(
    "the stranded blocks to be reclaimed",
    async () => {
      const balance = await getBalance(ctx, user.id);
      return balance.openReservations === 0 && balance;
    },
    30_000,
  ).catch((error) => {
    throw new Error(`${error.message}\n--- restarted server:\n${second.logs()}`);
  });
  const { cost, rows } = await usageOf(user.id);
  expect(rows).toBeGreaterThanOrEqual(200);
  expect(settled).toEqual({ available: GRANT - cost, reserved: 0, openReservations: 0 });
  const r = ctx.tables.creditReservations;
  expect(await ctx.db.select().from(r).where(and(eq(r.userId, user.id), eq(r.status, "open")))).toEqual([]);
  await waitFor("the reclaim to be logged", () => second.logs().includes("credits: reclaimed a hold whose process is gone"));
  expect(await second.signal("SIGTERM")).toBe(0);
}, 90_000);
