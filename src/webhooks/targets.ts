import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import { secretAad } from "../secrets/index.ts";
import { cancelPending, type DeliveryRow } from "./store.ts";

/** Where a delivery goes and with which secret: its lifecycle endpoint, or the per-run target it carries. */
export type DeliveryTarget = { ok: true; url: string; secret: string; receiver: string } | { ok: false; reason: string };

export const endpointSecretAad = (endpointId: string) => secretAad("webhook_endpoints", "secret", endpointId);
export const deliverySecretAad = (deliveryId: string) => secretAad("webhook_deliveries", "secret", deliveryId);

/** Loads the target; a delivery whose endpoint was disabled meanwhile is cancelled, not sent. */
export async function loadTarget(ctx: AppContext, row: DeliveryRow): Promise<DeliveryTarget> {
  if (row.channel === "run") {
    if (!row.url || !row.secret) return cancel(ctx, row, "the delivery has no target");
    // Per-run receivers are told apart by origin: one slow host cannot hold more than its share of workers.
    const secret = open(ctx, deliverySecretAad(row.id), row.secret);
    if (secret === undefined) return cancel(ctx, row, "the delivery's secret cannot be decrypted with the current keyring");
    return { ok: true, url: row.url, secret, receiver: `run:${new URL(row.url).origin}` };
  }
  const t = ctx.tables.webhookEndpoints;
  const [endpoint] = row.endpointId ? await ctx.db.select().from(t).where(eq(t.id, row.endpointId)) : [];
  if (!endpoint) return cancel(ctx, row, "the endpoint was deleted");
  if (endpoint.status !== "active") return cancel(ctx, row, `the endpoint is disabled: ${endpoint.disabledReason ?? "by its owner"}`);
  const secret = open(ctx, endpointSecretAad(endpoint.id), endpoint.secret);
  if (secret === undefined) return cancel(ctx, row, "the endpoint's secret cannot be decrypted with the current keyring");
  return { ok: true, url: endpoint.url, secret, receiver: `endpoint:${endpoint.id}` };
}

function open(ctx: AppContext, aad: string, sealed: string): string | undefined {
  try {
    return ctx.secrets.decrypt(aad, sealed);
  } catch (error) {
    ctx.log.error({ err: error }, "webhook secret cannot be decrypted");
    return undefined;
  }
}

async function cancel(ctx: AppContext, row: DeliveryRow, reason: string): Promise<DeliveryTarget> {
  await cancelPending(ctx, { id: row.id }, reason);
  return { ok: false, reason };
}

/** 410 Gone: a lifecycle endpoint stops receiving (its pending deliveries are cancelled); per-run deliveries just stop. */
export async function disableEndpoint(ctx: AppContext, row: DeliveryRow, reason: string): Promise<void> {
  if (row.channel !== "lifecycle" || !row.endpointId) return;
  const t = ctx.tables.webhookEndpoints;
  const now = new Date();
  const [disabled] = await ctx.db
    .update(t)
    .set({ status: "disabled", disabledReason: reason, disabledAt: now, updatedAt: now })
    .where(and(eq(t.id, row.endpointId), eq(t.status, "active")))
    .returning({ id: t.id });
  if (disabled) {
    await cancelPending(ctx, { endpointId: row.endpointId }, `the endpoint was disabled: ${reason}`);
    ctx.log.warn({ endpointId: row.endpointId, deliveryId: row.id }, "webhook endpoint disabled: the receiver answered 410 Gone");
  }
}
