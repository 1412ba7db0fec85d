import type { AppContext } from "../../src/context.ts";
import { enqueueDelivery } from "../../src/webhooks/index.ts";
import { publishLifecycleEvent } from "../webhooks/index.ts";
import { type RunPhase, runFindings, runPayload } from "./event-payloads.ts";
import type { RunRow } from "./runs.ts";

const PHASES: Partial<Record<string, RunPhase>> = { QUEUED: "queued", COMPLETED: "completed", FAILED: "failed" };

/**
 * Tells webhook receivers about a run that just changed state: installation lifecycle endpoints
 * (`review.run.completed|failed`) and the run's own webhook (`review.queued|completed|failed`, when subscribed).
 * It only records deliveries (no network), and never throws: a webhook problem must not fail a review. Safe to
 * call twice for the same state: one occurrence per (run, execution, phase) is delivered once.
 */
export async function announceRun(ctx: AppContext, run: RunRow): Promise<void> {
  const phase = PHASES[run.status];
  if (!phase) return;
  try {
    const findings = phase === "completed" ? await runFindings(ctx, run.id) : [];
    const occurrence = `${run.id}:${run.execution}`;
    if (phase !== "queued") {
      const event = phase === "completed" ? "review.run.completed" : "review.run.failed";
      const payload = runPayload(ctx, run, phase, event, findings, { findingIds: false });
      await publishLifecycleEvent(ctx, { event, installationId: run.installationId, repository: run.repository, occurrence, payload });
    }
    const hook = run.webhook;
    const event = `review.${phase}`;
    if (hook?.events.includes(event)) {
      const secret = ctx.secrets.decrypt(`review_runs.webhook.${run.id}`, hook.secret);
      const payload = runPayload(ctx, run, phase, event, findings, { findingIds: true });
      await enqueueDelivery(ctx, { channel: "run", event, occurrence: `${event}:${occurrence}`, payload, target: { url: hook.url, secret }, runId: run.id, installationId: run.installationId, repository: run.repository });
    }
  } catch (error) {
    ctx.log.error({ err: error, runId: run.id, status: run.status }, "could not queue the run's webhooks");
  }
  if (phase !== "queued") await ctx.hooks.emit("review.run.finished", { runId: run.id, status: run.status });
}
