import { afterAll, beforeAll, expect, test } from "bun:test";
import { APIError, InternalServerError, RateLimitError } from "openai";
import { waitFor } from "./fakes/http.ts";
import { type InferenceHarness, startInference } from "./helpers/inference.ts";

// Routing: ordered fallback before the first byte, per-target timeouts, circuit breaker, keep-alive, disconnects.
let h: InferenceHarness;
beforeAll(async () => {
  h = await startInference({}, { keepAliveMs: 200 }, { primaryTimeoutMs: 1_500 });
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

const GRANT = 100_000_000;
const messages = [{ role: "user" as const, content: "route me" }];

/** A successful call on the primary closes its circuit again (consecutive failures start over). */
async function primaryAnswersAgain() {
  const { sdk } = await h.client({ grant: GRANT });
  const { response } = await sdk.chat.completions.create({ model: "fast", messages }).withResponse();
  expect(response.headers.get("x-critique-provider")).toBe("primary");
}

test("429 and 500 from the first target fall back to the next one, streamed or not; the header names it", async () => {
  const { sdk } = await h.client({ grant: GRANT });
  h.primary.fail({ status: 429, retryAfter: 7 });
  const viaBackup = await sdk.chat.completions.create({ model: "fast", messages }).withResponse();
  expect(viaBackup.response.headers.get("x-critique-provider")).toBe("backup");
  expect(viaBackup.data.choices[0].message.content).toBe("Echo: route me");
  expect((h.backup.completions.at(-1)!.body as { model: string }).model).toBe("up-fast-backup");

  h.primary.fail({ status: 500 });
  const stream = await sdk.chat.completions.create({ model: "fast", messages, stream: true }).withResponse();
  expect(stream.response.headers.get("x-critique-provider")).toBe("backup");
  let text = "";
  for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? "";
  expect(text).toBe("Echo: route me");
  await primaryAnswersAgain();
});

test("when the last target answers 429 the client gets 429 with its Retry-After, and nothing is charged", async () => {
  const { sdk, userId } = await h.client({ grant: GRANT });
  h.primary.fail({ status: 429, retryAfter: 7 });
  const error = await sdk.chat.completions.create({ model: "solo", messages }).catch((e) => e);
  expect(error).toBeInstanceOf(RateLimitError);
  expect(error.headers.get("retry-after")).toBe("7");
  expect(error.message).toContain("primary");

  h.primary.fail({ status: 500 });
  expect(await sdk.chat.completions.create({ model: "solo", messages }).catch((e) => e)).toBeInstanceOf(InternalServerError);
  // The held worst cases go back once the credit block is released.
  await waitFor(async () => (await h.balance(userId)) === GRANT, { what: "the hold to be released" });
});

test("a target that does not answer within its timeout is left for the next one", async () => {
  const { sdk } = await h.client({ grant: GRANT });
  h.primary.reply({ content: "too late", delayMs: 4_000 });
  const answer = await sdk.chat.completions.create({ model: "fast", messages }).withResponse();
  expect(answer.response.headers.get("x-critique-provider")).toBe("backup");
  expect(answer.data.choices[0].message.content).toBe("Echo: route me");
  await primaryAnswersAgain();
}, 20_000);

test("after repeated failures the circuit breaker skips the target, and GET /models shows the model degraded", async () => {
  const { sdk } = await h.client({ grant: GRANT });
  h.primary.fail({ status: 503 }, 3);
  for (let i = 0; i < 3; i++) {
    const { response } = await sdk.chat.completions.create({ model: "spare", messages }).withResponse();
    expect(response.headers.get("x-critique-provider")).toBe("backup");
  }
  const primaryCalls = h.primary.completions.length;
  const { response } = await sdk.chat.completions.create({ model: "spare", messages }).withResponse();
  expect(response.headers.get("x-critique-provider")).toBe("backup");
  expect(h.primary.completions.length).toBe(primaryCalls);

  const health: Record<string, string> = {};
  for await (const model of sdk.models.list()) health[model.id] = (model as unknown as { health: string }).health;
  expect(health.spare).toBe("degraded");
  expect(health.fast).toBe("healthy");
});

test("a client that disconnects mid-stream stops the upstream and is billed for what was produced", async () => {
  const { sdk, userId } = await h.client({ grant: GRANT });
  const pieces = Array.from({ length: 60 }, (_, i) => `word${i} `);
  h.primary.reply({ content: pieces.join(""), chunks: pieces, chunkDelayMs: 50 });
  const cancelledBefore = h.primary.streamsCancelled;
  const controller = new AbortController();
  const stream = await sdk.chat.completions.create({ model: "fast", messages, stream: true, stream_options: { include_usage: true } }, { signal: controller.signal });
  let received = 0;
  await (async () => {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received++;
      if (received === 3) controller.abort();
    }
  })().catch(() => undefined);
  expect(received).toBe(3);

  await waitFor(() => h.primary.streamsCancelled > cancelledBefore, { what: "the upstream stream to be cancelled" });
  const [row] = await waitFor(async () => {
    const rows = await h.usageRows(userId);
    return rows.length ? rows : undefined;
  }, { what: "the cancelled call to be recorded" });
  expect(row.status).toBe("cancelled");
  expect(row.estimated).toBe(true);
  expect(row.completionTokens).toBeGreaterThan(0);
  expect(row.completionTokens).toBeLessThan(60);
  expect(row.cost).toBeGreaterThan(0);
  await waitFor(async () => (await h.balance(userId)) === GRANT - row.cost, { what: "the balance to be settled" });
}, 20_000);

test("long silences in a stream carry SSE keep-alive comments, which the SDK ignores", async () => {
  const key = (await h.client({ grant: GRANT })).key;
  h.primary.reply({ content: "slow answer", chunks: ["slow ", "answer"], chunkDelayMs: 500 });
  const res = await h.server.request("/api/v1/chat/completions", { method: "POST", key, json: { model: "fast", messages, stream: true } });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const raw = await res.text();
  expect(raw).toContain(": keep-alive\n\n");
  expect(raw).toContain('"content":"slow "');
  expect(raw.trimEnd().endsWith("data: [DONE]")).toBe(true);

  const { sdk } = await h.client({ grant: GRANT });
  h.primary.reply({ content: "slow answer", chunks: ["slow ", "answer"], chunkDelayMs: 500 });
  let text = "";
  for await (const chunk of await sdk.chat.completions.create({ model: "fast", messages, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
  expect(text).toBe("slow answer");
}, 20_000);

test("an upstream that breaks off mid-stream ends the client's stream with an error event; what was produced is billed", async () => {
  const { sdk, userId } = await h.client({ grant: GRANT });
  h.primary.reply({ content: "one two three four five six", chunks: ["one ", "two ", "three ", "four ", "five ", "six"], endAfterChunks: 3 });
  let text = "";
  const failure = await (async () => {
    for await (const chunk of await sdk.chat.completions.create({ model: "fast", messages, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
  })().catch((e) => e);
  expect(failure).toBeInstanceOf(APIError);
  expect(failure.message).toContain("broke off");
  expect(text).toBe("one two ");
  const [row] = await waitFor(async () => {
    const rows = await h.usageRows(userId);
    return rows.length ? rows : undefined;
  }, { what: "the broken call to be recorded" });
  expect(row.status).toBe("failed");
  expect(row.estimated).toBe(true);
  expect(row.cost).toBeGreaterThan(0);
}, 20_000);
