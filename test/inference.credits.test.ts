import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI, { APIError, PermissionDeniedError, RateLimitError } from "openai";
import { eq } from "drizzle-orm";
import { waitFor } from "./fakes/http.ts";
import { type InferenceHarness, PRICES, startInference } from "./helpers/inference.ts";
import { exportSamples } from "../plugins/inference/training.ts";

// Credits in enforce mode, training opt-in, BYOK, per-key model allow-list and requests per minute.
let h: InferenceHarness;
beforeAll(async () => {
  h = await startInference({ CRITIQUE_CREDITS: "enforce" });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

const messages = [{ role: "user" as const, content: "How many credits does this cost?" }];
const costMicro = (usage: { prompt_tokens: number; completion_tokens: number }, discount = 0) =>
  Math.ceil((usage.prompt_tokens * PRICES.input + usage.completion_tokens * PRICES.output) * (1 - discount));

test("a balance that cannot cover the worst case is refused with 402 before the upstream is called", async () => {
  const { sdk, userId } = await h.client({ grant: 1_000 });
  const calls = h.primary.completions.length;
  const error = await sdk.chat.completions.create({ model: "fast", messages, max_tokens: 500 }).catch((e) => e);
  expect(error).toBeInstanceOf(APIError);
  expect(error.status).toBe(402);
  expect(error.message).toMatch(/Insufficient credits: needed [\d.]+, available 0.001/);
  expect(error.code).toBe("insufficient_credits");
  expect(h.primary.completions.length).toBe(calls);
  expect(await h.balance(userId)).toBe(1_000);
});

test("parallel requests against a small balance cannot overdraw it", async () => {
  // Worst case per call: prompt tokens plus max_tokens (100) at 8 per million; the grant covers about three.
  const { sdk, userId } = await h.client({ grant: 3_000 });
  const usage = { prompt_tokens: 20, completion_tokens: 10 };
  const echo = h.primary.responder;
  h.primary.responder = () => ({ content: "ok", usage, delayMs: 300 });
  const outcomes = await Promise.all(
    Array.from({ length: 10 }, () => sdk.chat.completions.create({ model: "fast", messages, max_tokens: 100 }).then(() => "ok" as const, (e) => e as APIError)),
  ).finally(() => {
    h.primary.responder = echo;
  });
  const succeeded = outcomes.filter((o) => o === "ok").length;
  const refused = outcomes.filter((o) => o !== "ok");
  expect(succeeded).toBeGreaterThanOrEqual(1);
  expect(succeeded).toBeLessThanOrEqual(3);
  expect(refused.length).toBeGreaterThan(0);
  for (const error of refused) expect((error as APIError).status).toBe(402);
  expect(await h.balance(userId)).toBeGreaterThanOrEqual(0);
  await waitFor(async () => (await h.balance(userId)) === 3_000 - succeeded * costMicro(usage), { what: "every call to be settled" });
});

test("an opted-in key pays the discounted rate and its exchanges are retained and exported; others are never retained", async () => {
  const usage = { prompt_tokens: 100, completion_tokens: 40 };
  const optedIn = await h.client({ grant: 10_000_000, trainingOptIn: true });
  const plain = await h.client({ grant: 10_000_000 });
  h.primary.reply({ content: "Retained answer.", usage }, { content: "Not retained.", usage });
  const discounted = await optedIn.sdk.chat.completions.create({ model: "fast", messages });
  const full = await plain.sdk.chat.completions.create({ model: "fast", messages });
  expect((discounted.usage as { cost?: number }).cost).toBe(costMicro(usage, PRICES.trainingDiscount) / 1e6);
  expect((full.usage as { cost?: number }).cost).toBe(costMicro(usage) / 1e6);
  await waitFor(async () => (await h.balance(optedIn.userId)) === 10_000_000 - costMicro(usage, PRICES.trainingDiscount), { what: "the call to be settled" });

  const ctx = h.server.server.ctx;
  const exported = async (userId: string) => {
    const lines: string[] = [];
    for await (const line of exportSamples(ctx, { userId })) lines.push(line);
    return lines.map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });
  };
  const samples = await waitFor(async () => ((await exported(optedIn.userId)).length ? exported(optedIn.userId) : undefined), { what: "the sample to be retained" });
  expect(samples).toHaveLength(1);
  expect(samples[0].messages).toEqual([messages[0], { role: "assistant", content: "Retained answer.", refusal: null, annotations: [] } as never]);
  expect(await exported(plain.userId)).toHaveLength(0);

  // The CLI writes the same lines, from another process on the same database.
  const proc = Bun.spawn(["bun", "src/cli/main.ts", "training", "export", "--user", (await userName(optedIn.userId))!], { env: { ...process.env, ...h.server.env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) console.error(stderr);
  expect(code).toBe(0);
  expect(stdout.trim().split("\n").map((l) => JSON.parse(l))).toEqual(samples);
}, 30_000);

async function userName(userId: string) {
  const ctx = h.server.server.ctx;
  const rows = await ctx.db.select().from(ctx.tables.users);
  return rows.find((u) => u.id === userId)?.name;
}

test("BYOK: the caller's own key goes upstream; tokens are recorded, nothing is charged", async () => {
  const { key, userId } = await h.client({ grant: 1_000 });
  const sdk = new OpenAI({ baseURL: `${h.server.url}/api/v1`, apiKey: key, maxRetries: 0, defaultHeaders: { "x-critique-upstream-key": "sk-caller-own" } });
  const usage = { prompt_tokens: 5_000, completion_tokens: 2_000 };
  h.byok.reply({ content: "on your own account", usage });
  const answer = await sdk.chat.completions.create({ model: "mine", messages, max_tokens: 900 });
  expect(answer.usage).toMatchObject({ ...usage, cost: 0, is_byok: true });
  expect(h.byok.completions.at(-1)!.headers.authorization).toBe("Bearer sk-caller-own");
  expect(await h.balance(userId)).toBe(1_000);
  const rows = await waitFor(async () => ((await h.usageRows(userId)).length ? h.usageRows(userId) : undefined), { what: "the call to be recorded" });
  expect(rows.map((r) => ({ byok: r.byok, promptTokens: r.promptTokens, completionTokens: r.completionTokens, cost: r.cost }))).toEqual([{ byok: true, promptTokens: 5_000, completionTokens: 2_000, cost: 0 }]);

  const refused = await sdk.chat.completions.create({ model: "fast", messages }).catch((e) => e);
  expect(refused).toBeInstanceOf(PermissionDeniedError);
  expect(refused.message).toContain("x-critique-upstream-key");
});

test("a key limited to some models is refused the others with 403 naming the model", async () => {
  const { sdk } = await h.client({ grant: 10_000_000, allowedModels: ["solo"] });
  expect((await sdk.chat.completions.create({ model: "solo", messages })).choices[0].message.content).toContain("credits");
  const denied = await sdk.chat.completions.create({ model: "fast", messages }).catch((e) => e);
  expect(denied).toBeInstanceOf(PermissionDeniedError);
  expect(denied.message).toContain('"fast"');
});

test("a key's requests-per-minute limit answers 429 with Retry-After; other keys are not affected", async () => {
  const limited = await h.client({ grant: 10_000_000, rpmLimit: 2 });
  const other = await h.client({ grant: 10_000_000 });
  await limited.sdk.chat.completions.create({ model: "solo", messages });
  await limited.sdk.chat.completions.create({ model: "solo", messages });
  const error = await limited.sdk.chat.completions.create({ model: "solo", messages }).catch((e) => e);
  expect(error).toBeInstanceOf(RateLimitError);
  const retryAfter = Number(error.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(error.message).toContain("2 requests per minute");
  await other.sdk.chat.completions.create({ model: "solo", messages });
});

test("calls share credit blocks, and once they are settled the balance drops by exactly the calls' costs", async () => {
  const grant = 50_000_000;
  const { sdk, userId } = await h.client({ grant });
  // Enough calls for usage rows to be written in several batches and chunk sizes (src/db/insert-many.ts); every
  // row must carry the same fields as one written through drizzle.
  const calls = 40;
  await Promise.all(Array.from({ length: calls }, (_, i) => sdk.chat.completions.create({ model: "fast", messages: [{ role: "user", content: `call ${i}` }], stream: i % 2 === 0 }).then(async (r) => {
    if (Symbol.asyncIterator in r) for await (const _ of r as AsyncIterable<unknown>);
  })));
  const rows = await waitFor(async () => {
    const found = await h.usageRows(userId);
    return found.length === calls ? found : undefined;
  }, { what: "every call to be recorded" });
  const spent = rows.reduce((sum, r) => sum + r.cost, 0);
  expect(spent).toBeGreaterThan(0);
  expect(rows.filter((r) => r.stream)).toHaveLength(calls / 2);
  for (const row of rows) {
    expect(row).toMatchObject({ model: "fast", status: "completed", estimated: false, byok: false, trainingOptIn: false });
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.cost).toBeGreaterThan(0);
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  }
  await waitFor(async () => (await h.balance(userId)) === grant - spent, { what: "the credit blocks to be settled" });
  expect(new Set(rows.map((r) => r.reservationId)).size).toBeLessThan(calls);
  const ctx = h.server.server.ctx;
  const open = (await ctx.db.select().from(ctx.tables.creditReservations)).filter((r) => r.userId === userId && r.status === "open");
  expect(open).toHaveLength(0);
});

test("an upstream reporting far more usage than the worst case is charged the hold: never below zero, the row keeps the real tokens", async () => {
  // The worst case of one call is about 8,000 micro-credits (max_tokens 1,000 at 8 per million): the grant covers
  // about 25 of the 50. Each answer reports a million tokens each way (10 credits, 1,250 times its hold).
  const grant = 200_000;
  const { sdk, userId } = await h.client({ grant });
  const huge = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 };
  const echo = h.primary.responder;
  h.primary.responder = () => ({ content: "far more than estimated", usage: huge, delayMs: 50 });
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      try {
        if (i % 2 === 0) return (await sdk.chat.completions.create({ model: "fast", messages, max_tokens: 1_000 })).usage as unknown as Record<string, unknown>;
        const stream = await sdk.chat.completions.create({ model: "fast", messages, max_tokens: 1_000, stream: true, stream_options: { include_usage: true } });
        let usage: Record<string, unknown> | undefined;
        for await (const chunk of stream) usage = (chunk.usage as unknown as Record<string, unknown> | undefined) ?? usage;
        return usage;
      } catch (error) {
        return error as APIError;
      }
    }),
  ).finally(() => {
    h.primary.responder = echo;
  });
  const answered = outcomes.filter((o) => !(o instanceof APIError)) as Record<string, unknown>[];
  const refused = outcomes.filter((o) => o instanceof APIError) as APIError[];
  expect(answered.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
  for (const error of refused) expect(error.status).toBe(402);
  for (const usage of answered) expect(usage).toMatchObject({ prompt_tokens: huge.prompt_tokens, completion_tokens: huge.completion_tokens, cost_capped: true });

  const ctx = h.server.server.ctx;
  const r = ctx.tables.creditReservations;
  await waitFor(async () => (await ctx.db.select().from(r).where(eq(r.userId, userId))).every((row) => row.status !== "open") || undefined, { what: "every hold to be settled" });
  const rows = await waitFor(async () => {
    const found = await h.usageRows(userId);
    return found.length === answered.length ? found : undefined;
  }, { what: "every answered call to be recorded" });
  for (const row of rows) {
    expect(row).toMatchObject({ promptTokens: huge.prompt_tokens, completionTokens: huge.completion_tokens, costCapped: true });
    expect(row.cost).toBeGreaterThan(0);
    expect(row.cost).toBeLessThan(costMicro(huge));
  }
  const balance = await h.balance(userId);
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(balance).toBe(grant - rows.reduce((sum, row) => sum + row.cost, 0));
  const ledger = await ctx.db.select().from(ctx.tables.creditLedger).where(eq(ctx.tables.creditLedger.userId, userId));
  expect(ledger.reduce((sum, e) => sum + Number(e.amount), 0)).toBe(balance);
});
