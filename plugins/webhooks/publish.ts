import { and, eq } from "drizzle-orm";
import pLimit from "p-limit";
import type { AppContext } from "../../src/context.ts";
import { enqueueDelivery } from "../../src/webhooks/index.ts";
import type { LifecycleEvent } from "./model.ts";

const FAN_OUT_CONCURRENCY = 8;

export interface LifecycleEventInput {
  event: LifecycleEvent;
  /** The installation the event belongs to: only endpoints whose owner controls it receive it. */
  installationId: string;
  /** `owner/repo`, for endpoints scoped to repositories; null for installation-wide events. */
  repository: string | null;
  /** Names this occurrence (e.g. `<runId>:<execution>`), so publishing it twice sends it once. */
  occurrence: string;
  payload: Record<string, unknown>;
}

/**
 * Publishes an installation lifecycle event to every active endpoint subscribed to it whose owner is a member
 * of the installation (and, when the endpoint is scoped, whose repositories include this one). Returns how many
 * deliveries it queued. Review runs, checkpoints, merge policies, passports and remedies all publish here.
 */
export async function publishLifecycleEvent(ctx: AppContext, input: LifecycleEventInput): Promise<number> {
  const { webhookEndpoints: e, installationMembers: m } = ctx.tables;
  const candidates = await ctx.db
    .select({ id: e.id, events: e.events, repositories: e.repositories })
    .from(e)
    .innerJoin(m, and(eq(m.userId, e.userId), eq(m.installationId, input.installationId)))
    .where(eq(e.status, "active"));
  const repository = input.repository?.toLowerCase();
  const targets = candidates.filter(
    (c) => c.events.includes(input.event) && (!c.repositories || (repository !== undefined && c.repositories.some((r) => r.toLowerCase() === repository))),
  );
  // A few at a time: on Postgres the inserts overlap; the pool is not flooded by a large fan-out.
  const limit = pLimit(FAN_OUT_CONCURRENCY);
  await Promise.all(
    targets.map((endpoint) =>
      limit(() =>
        enqueueDelivery(ctx, {
          channel: "lifecycle",
          event: input.event,
          occurrence: `${input.event}:${input.occurrence}`,
          payload: input.payload,
          endpointId: endpoint.id,
          installationId: input.installationId,
          repository: input.repository ?? undefined,
        }),
      ),
    ),
  );
  return targets.length;
}
