import { z } from "zod";
import type { AppContext } from "../context.ts";
import { defineJob, type JobAttempt } from "../jobs/index.ts";
import { DeliveryLimiter, deferDelay } from "./fairness.ts";
import { resolveWebhookTarget, WebhookUrlRefused } from "./guard.ts";
import { postPinned, WebhookTransportError } from "./http.ts";
import { ATTEMPT_TIMEOUT_MS, judgeAnswer, nextAttemptAt, retryPolicy } from "./policy.ts";
import { deliveryHeaders } from "./signing.ts";
import { type AttemptReport, claimAttempt, type DeliveryRow, finishAttempt, getDelivery, passSlot } from "./store.ts";
import { disableEndpoint, loadTarget } from "./targets.ts";

/**
 * `webhooks.deliver`: one job per slot of a delivery. It sends one attempt (or defers when the receiver is
 * busy), records it, and hands the delivery to the next slot's job when a retry is due. HTTP failures are
 * outcomes, not job failures; the job itself only fails (and is retried by the scheduler) on database errors.
 * A server killed mid-request leaves the slot's job running with an expired lease: it runs again, and the
 * delivery is sent exactly once more under the same id.
 */
export const webhookDeliveryJob = defineJob({
  name: "webhooks.deliver",
  payload: z.object({ deliveryId: z.string().min(1), slot: z.number().int().min(1) }),
  timeoutMs: ATTEMPT_TIMEOUT_MS + 22_000,
  maxAttempts: 5,
  backoff: { baseMs: 1_000, maxMs: 30_000 },
  run: (ctx, payload, attempt) => deliver(ctx, payload, attempt),
});

/** Makes sure the job for the delivery's current slot exists (idempotent: one job per delivery and slot). */
export async function ensureDeliveryJob(ctx: AppContext, row: DeliveryRow): Promise<void> {
  if (row.status !== "pending") return;
  await ctx.jobs.enqueue(webhookDeliveryJob, { deliveryId: row.id, slot: row.slot }, { dedupeKey: `webhook:${row.id}:${row.slot}`, runAt: row.nextAttemptAt ?? undefined });
}

/** One limiter per scheduler, i.e. per server process (tests run several in one process). */
const limiters = new WeakMap<object, DeliveryLimiter>();
function limiterFor(ctx: AppContext): DeliveryLimiter {
  const existing = limiters.get(ctx.jobs);
  if (existing) return existing;
  const limiter = new DeliveryLimiter();
  limiters.set(ctx.jobs, limiter);
  return limiter;
}

async function deliver(ctx: AppContext, payload: { deliveryId: string; slot: number }, attempt: JobAttempt) {
  const row = await getDelivery(ctx, payload.deliveryId);
  if (row?.status !== "pending") return { skipped: row ? `delivery is ${row.status}` : "delivery no longer exists" };
  if (row.slot !== payload.slot) {
    // A job that died between handing over and enqueueing the next one: the next job may be missing.
    if (row.slot > payload.slot) await ensureDeliveryJob(ctx, row);
    return { skipped: "superseded" };
  }
  const target = await loadTarget(ctx, row);
  if (!target.ok) return { cancelled: target.reason };

  const slot = await limiterFor(ctx).acquire(target.receiver);
  if (!slot) {
    // Slots that moved on without an attempt: how often in a row this delivery found its receiver busy.
    const deferrals = Math.max(0, row.slot - row.attempts - 1);
    const next = await passSlot(ctx, row, new Date(Date.now() + deferDelay(deferrals)));
    if (next) await ensureDeliveryJob(ctx, next);
    // Let timers and sockets run before the worker takes the next job (SQLite work resolves without yielding).
    await new Promise((resolve) => setImmediate(resolve));
    return { deferred: true };
  }
  try {
    const claimed = await claimAttempt(ctx, row, payload.slot);
    if (!claimed) return { skipped: "claimed elsewhere" };
    const report = await sendOnce(ctx, claimed.row, target, attempt.signal);
    const policy = retryPolicy(ctx.config);
    const retryAt = report.outcome === "retry" ? nextAttemptAt(claimed.number, claimed.row.maxAttempts, policy, report.retryAfterMs) : null;
    if (report.outcome === "retry" && !retryAt) report.outcome = "failed";
    const after = await finishAttempt(ctx, claimed.row, claimed.number, report, retryAt);
    if (report.outcome === "gone") await disableEndpoint(ctx, row, `the receiver answered 410 Gone to delivery ${row.id}`);
    if (after) await ensureDeliveryJob(ctx, after);
    return { attempt: claimed.number, outcome: report.outcome, statusCode: report.statusCode ?? null };
  } finally {
    slot.release();
  }
}

async function sendOnce(ctx: AppContext, row: DeliveryRow, target: { url: string; secret: string }, signal: AbortSignal): Promise<AttemptReport & { retryAfterMs?: number }> {
  const channel = row.channel === "run" ? "run" : "lifecycle";
  try {
    const resolved = await resolveWebhookTarget(target.url, { allowedCidrs: ctx.config.webhookAllowedCidrs });
    const headers = deliveryHeaders({ channel, id: row.id, event: row.event, secret: target.secret, body: row.body });
    const answer = await postPinned(resolved, row.body, headers, { timeoutMs: ATTEMPT_TIMEOUT_MS, signal });
    const meaning = judgeAnswer(answer.status, answer.headers);
    const base = { statusCode: answer.status, latencyMs: answer.latencyMs, responseBody: answer.body };
    if (meaning.kind === "delivered") return { ...base, outcome: "delivered" };
    if (meaning.kind === "gone") return { ...base, outcome: "gone", error: "HTTP 410 Gone: the receiver asked us to stop" };
    const redirect = answer.status >= 300 && answer.status < 400 ? ` (redirects are not followed${answer.headers.location ? `: Location ${answer.headers.location}` : ""})` : "";
    return { ...base, outcome: "retry", error: `HTTP ${answer.status}${redirect}`, retryAfterMs: meaning.retryAfterMs };
  } catch (error) {
    // Shutdown or a lost lease: leave the attempt open; the job runs again and marks it interrupted.
    if (signal.aborted) throw signal.reason;
    if (error instanceof WebhookUrlRefused) return { outcome: "retry", error: `refused by the SSRF guard: ${error.message}` };
    if (error instanceof WebhookTransportError) return { outcome: "retry", error: error.message };
    throw error;
  }
}
