import type { AppContext } from "../../src/context.ts";
import { enqueueDelivery } from "../../src/webhooks/index.ts";
import { publishLifecycleEvent } from "../webhooks/index.ts";
import type { RunWebhookEvent } from "./model.ts";
import type { RunRow } from "./store.ts";
import { runView } from "./views.ts";

export const runWebhookAad = (runId: string) => `coding_agent_runs.webhook.${runId}`;

const EVENT_OF: Partial<Record<string, RunWebhookEvent>> = { IDLE: "coding_agent.run.idle", COMPLETED: "coding_agent.run.completed", FAILED: "coding_agent.run.failed", EXPIRED: "coding_agent.run.failed" };

/**
 * Tells receivers a run went idle (a turn finished), completed or failed: the run's own webhook and, for runs on a
 * repository, the installation's lifecycle endpoints. Records deliveries only (no network) and never throws.
 * One occurrence per (run, turn, status), so a retried caller sends nothing twice. Then the in-process hook.
 */
export async function announceRun(ctx: AppContext, run: RunRow): Promise<void> {
  await publishRunEvents(ctx, run);
  // Other surfaces (a remedy waiting for its fix run) react to every idle and every ending, CANCELLED too.
  await ctx.hooks.emit("coding-agent.run.changed", { runId: run.id, status: run.status });
}

async function publishRunEvents(ctx: AppContext, run: RunRow): Promise<void> {
  const event = EVENT_OF[run.status];
  if (!event) return;
  try {
    const view = await runView(ctx, run);
    const payload = { event, timestamp: new Date().toISOString(), ...view };
    const occurrence = `${event}:${run.id}:${run.turns}:${run.status}`;
    if (run.installationId) {
      await publishLifecycleEvent(ctx, { event, installationId: run.installationId, repository: run.repository, occurrence: `${run.id}:${run.turns}:${run.status}`, payload });
    }
    const hook = run.webhook;
    if (hook?.events.includes(event)) {
      const secret = ctx.secrets.decrypt(runWebhookAad(run.id), hook.secret);
      await enqueueDelivery(ctx, { channel: "run", event, occurrence, payload, target: { url: hook.url, secret }, runId: run.id, installationId: run.installationId ?? undefined, repository: run.repository ?? undefined });
    }
  } catch (error) {
    ctx.log.error({ err: error, runId: run.id, status: run.status }, "coding agent: could not queue the run's webhooks");
  }
}
