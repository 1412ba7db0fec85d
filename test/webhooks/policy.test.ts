import { expect, test } from "bun:test";
import { loadConfig } from "../../src/config/index.ts";
import { judgeAnswer, nextAttemptAt, parseRetryAfter, retryDelay, retryPolicy } from "../../src/webhooks/policy.ts";

const config = (env: Record<string, string> = {}) => loadConfig({ CRITIQUE_DATA_DIR: "/tmp/critique-policy-test", ...env });

test("the default schedule spreads 12 attempts over about a day, with jitter within ±20 %", () => {
  const policy = retryPolicy(config());
  expect(policy).toEqual({ maxAttempts: 12, baseMs: 60_000, maxMs: 8 * 3_600_000 });
  const nominal = (attempt: number) => retryDelay(attempt, policy, () => 0.5);
  let total = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) total += nominal(attempt);
  expect(total / 3_600_000).toBeGreaterThan(20);
  expect(total / 3_600_000).toBeLessThan(28);
  expect(nominal(1)).toBe(60_000);
  expect(nominal(2)).toBe(120_000);
  expect(nominal(11)).toBe(8 * 3_600_000);
  expect(retryDelay(3, policy, () => 0)).toBe(Math.round(240_000 * 0.8));
  expect(retryDelay(3, policy, () => 1)).toBe(Math.round(240_000 * 1.2));
});

test("one attempt can be configured: a failure is then final", () => {
  const policy = retryPolicy(config({ CRITIQUE_WEBHOOK_MAX_ATTEMPTS: "1" }));
  expect(nextAttemptAt(1, policy.maxAttempts, policy, undefined)).toBeNull();
  expect(() => config({ CRITIQUE_WEBHOOK_MAX_ATTEMPTS: "0" })).toThrow(/CRITIQUE_WEBHOOK_MAX_ATTEMPTS/);
});

test("Retry-After in seconds or as an HTTP date; it overrides a shorter backoff", () => {
  const now = Date.parse("2026-06-17T12:00:00Z");
  expect(parseRetryAfter("30", now)).toBe(30_000);
  expect(parseRetryAfter("Wed, 17 Jun 2026 12:01:00 GMT", now)).toBe(60_000);
  expect(parseRetryAfter("soon", now)).toBeUndefined();
  expect(parseRetryAfter(undefined, now)).toBeUndefined();
  expect(parseRetryAfter("99999999", now)).toBe(24 * 3_600_000);
  const policy = { maxAttempts: 5, baseMs: 100, maxMs: 400 };
  expect(nextAttemptAt(1, 5, policy, 30_000, now)?.getTime()).toBe(now + 30_000);
});

test("2xx delivers, 410 is gone, 429/503 read Retry-After, 3xx and the rest are failures", () => {
  expect(judgeAnswer(204, {})).toEqual({ kind: "delivered" });
  expect(judgeAnswer(410, {})).toEqual({ kind: "gone" });
  expect(judgeAnswer(503, { "retry-after": "7" })).toEqual({ kind: "failed", retryAfterMs: 7_000 });
  expect(judgeAnswer(429, {})).toEqual({ kind: "failed", retryAfterMs: undefined });
  expect(judgeAnswer(301, { location: "https://elsewhere" })).toEqual({ kind: "failed" });
  expect(judgeAnswer(400, {})).toEqual({ kind: "failed" });
});
