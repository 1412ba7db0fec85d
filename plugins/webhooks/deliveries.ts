import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { ServiceContext } from "../../src/context.ts";
import { AppError, notFound } from "../../src/errors.ts";
import { type AttemptRow, attemptsOf, type DeliveryRow, redeliver } from "../../src/webhooks/index.ts";
import { getOwnEndpoint } from "./endpoints.ts";
import type { DeliveryView, ListDeliveriesQuery } from "./model.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

function deliveryView(row: DeliveryRow, attempts: AttemptRow[]): DeliveryView {
  return {
    id: row.id,
    event: row.event,
    status: row.status as DeliveryView["status"],
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    nextAttemptAt: row.status === "pending" ? iso(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    repository: row.repository,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: iso(row.deliveredAt),
    attemptLog: attempts.map((a) => ({
      number: a.number,
      startedAt: a.startedAt.toISOString(),
      latencyMs: a.latencyMs,
      statusCode: a.statusCode,
      responseBody: a.responseBody,
      error: a.error,
      outcome: a.outcome as DeliveryView["attemptLog"][number]["outcome"],
    })),
  };
}

/** An endpoint's deliveries, newest first (cursor-paginated by id), each with every attempt. */
export async function listDeliveries(ctx: ServiceContext, endpointId: string, query: ListDeliveriesQuery) {
  await getOwnEndpoint(ctx, endpointId);
  return pageOf(ctx, eq(ctx.tables.webhookDeliveries.endpointId, endpointId), query);
}

/**
 * The deliveries of a run's own webhook (channel `run`), same shape as an endpoint's. The caller has checked
 * that the principal may see the run (the run's surface owns that rule).
 */
export async function listRunDeliveries(ctx: ServiceContext, runId: string, query: ListDeliveriesQuery) {
  const t = ctx.tables.webhookDeliveries;
  return pageOf(ctx, and(eq(t.channel, "run"), eq(t.runId, runId))!, query);
}

/** Sends a run webhook's delivery again (same id and body); the caller has checked the run is visible. */
export async function redeliverRunDelivery(ctx: ServiceContext, runId: string, deliveryId: string): Promise<DeliveryView> {
  const t = ctx.tables.webhookDeliveries;
  const [row] = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.id, deliveryId), eq(t.channel, "run"), eq(t.runId, runId)));
  if (!row) throw notFound(`Delivery ${deliveryId}`);
  const reopened = await redeliver(ctx, row);
  return deliveryView(reopened, await attemptsOf(ctx, [reopened.id]));
}

async function pageOf(ctx: ServiceContext, scope: SQL, query: ListDeliveriesQuery) {
  const t = ctx.tables.webhookDeliveries;
  const rows = await ctx.db
    .select()
    .from(t)
    .where(and(scope, query.status ? eq(t.status, query.status) : undefined, query.cursor ? lt(t.id, query.cursor) : undefined))
    .orderBy(desc(t.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const attempts = await attemptsOf(ctx, page.map((r) => r.id));
  return {
    deliveries: page.map((row) => deliveryView(row, attempts.filter((a) => a.deliveryId === row.id))),
    nextCursor: rows.length > query.limit ? page[page.length - 1].id : null,
  };
}

/** Sends a delivery of the caller's endpoint again, same id and body; a disabled endpoint must be registered anew. */
export async function redeliverOne(ctx: ServiceContext, endpointId: string, deliveryId: string): Promise<DeliveryView> {
  const endpoint = await getOwnEndpoint(ctx, endpointId);
  const t = ctx.tables.webhookDeliveries;
  const [row] = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.id, deliveryId), eq(t.endpointId, endpointId)));
  if (!row) throw notFound(`Delivery ${deliveryId}`);
  if (endpoint.status !== "active") throw new AppError("CONFLICT", `Webhook endpoint ${endpointId} is disabled (${endpoint.disabledReason ?? "by its owner"}): register the URL again to receive deliveries`);
  const reopened = await redeliver(ctx, row);
  return deliveryView(reopened, await attemptsOf(ctx, [reopened.id]));
}
