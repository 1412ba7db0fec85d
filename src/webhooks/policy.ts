import type { Config } from "../config/index.ts";

/**
 * What an answer means and when to try again. 2xx delivers; 410 Gone stops for good (and disables a lifecycle
 * endpoint); everything else, 3xx included (redirects are not followed), is a failed attempt retried with
 * exponential backoff and jitter, except that 429 and 503 wait at least what their Retry-After asks.
 */

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** The documented timeout of one attempt. */
export const ATTEMPT_TIMEOUT_MS = 8_000;
/** A Retry-After beyond this is treated as this (a receiver cannot park a delivery for weeks). */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

export function retryPolicy(config: Config): RetryPolicy {
  const env = config.env;
  return { maxAttempts: env.CRITIQUE_WEBHOOK_MAX_ATTEMPTS, baseMs: env.CRITIQUE_WEBHOOK_RETRY_BASE_MS, maxMs: Math.max(env.CRITIQUE_WEBHOOK_RETRY_BASE_MS, env.CRITIQUE_WEBHOOK_RETRY_MAX_MS) };
}

/**
 * Delay after attempt `attempt` (1-based) failed: base·2^(attempt-1), capped, ±20 % jitter so receivers that
 * failed together are not retried in lock-step. Defaults (12 attempts, 1 min base, 8 h cap) span about a day.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal * (0.8 + 0.4 * random()));
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

export type AnswerMeaning = { kind: "delivered" } | { kind: "gone" } | { kind: "failed"; retryAfterMs?: number };

export function judgeAnswer(status: number, headers: Record<string, string | string[] | undefined>): AnswerMeaning {
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 410) return { kind: "gone" };
  if (status === 429 || status === 503) return { kind: "failed", retryAfterMs: parseRetryAfter(headers["retry-after"]) };
  return { kind: "failed" };
}

/** When the next attempt may start after attempt `attempt` failed, or null when the delivery has used them all. */
export function nextAttemptAt(attempt: number, maxAttempts: number, policy: RetryPolicy, retryAfterMs: number | undefined, now = Date.now()): Date | null {
  if (attempt >= maxAttempts) return null;
  const backoff = retryDelay(attempt, policy);
  return new Date(now + (retryAfterMs === undefined ? backoff : Math.max(retryAfterMs, 0)));
}
