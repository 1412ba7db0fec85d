import { and, desc, eq, inArray } from "drizzle-orm";
import type { ServiceContext } from "../../src/context.ts";
import { notFound } from "../../src/errors.ts";
import { newId } from "../../src/ids.ts";
import { assertWebhookUrl, endpointSecretAad } from "../../src/webhooks/index.ts";
import { resolveVisibleRepository } from "../../src/github/installations.ts";
import { type CreateEndpointInput, DEFAULT_LIFECYCLE_EVENTS, type EndpointView } from "./model.ts";

type EndpointRow = typeof import("../../db/sqlite.ts").webhookEndpoints.$inferSelect;

/** Lifecycle endpoints are personal: a user lists, reads and deletes only their own; anyone else's is a 404. */

export function endpointView(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as EndpointView["events"],
    repositories: row.repositories ?? null,
    secretHint: `…${row.secretHint}`,
    status: row.status as EndpointView["status"],
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function createEndpoint(ctx: ServiceContext, input: CreateEndpointInput): Promise<EndpointView> {
  await assertWebhookUrl(ctx, input.url, "url");
  // Scoping to a repository the user cannot see would silently receive nothing: refuse it like POST /reviews does.
  const repositories = input.repositories ? [...new Set(await Promise.all(input.repositories.map(async (name) => (await resolveVisibleRepository(ctx, ctx.principal, name)).fullName)))] : null;
  const id = newId();
  const now = new Date();
  const [row] = await ctx.db
    .insert(ctx.tables.webhookEndpoints)
    .values({
      id,
      userId: ctx.principal.userId,
      url: input.url,
      description: input.description ?? null,
      events: [...new Set(input.events ?? DEFAULT_LIFECYCLE_EVENTS)],
      repositories,
      secret: ctx.secrets.encrypt(endpointSecretAad(id), input.secret),
      secretHint: input.secret.slice(-4),
      status: "active",
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return endpointView(row);
}

export async function listEndpoints(ctx: ServiceContext): Promise<EndpointView[]> {
  const t = ctx.tables.webhookEndpoints;
  const rows = await ctx.db.select().from(t).where(eq(t.userId, ctx.principal.userId)).orderBy(desc(t.id));
  return rows.map(endpointView);
}

export async function getOwnEndpoint(ctx: ServiceContext, id: string): Promise<EndpointRow> {
  const t = ctx.tables.webhookEndpoints;
  const [row] = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.id, id), eq(t.userId, ctx.principal.userId)));
  if (!row) throw notFound(`Webhook endpoint ${id}`);
  return row;
}

/** Deletes the endpoint with its delivery history; jobs still queued for it then find nothing to send. */
export async function deleteEndpoint(ctx: ServiceContext, id: string): Promise<void> {
  await getOwnEndpoint(ctx, id);
  const { webhookEndpoints: e, webhookDeliveries: d, webhookAttempts: a } = ctx.tables;
  await ctx.database.transaction(async (tx) => {
    const deliveries = await tx.select({ id: d.id }).from(d).where(eq(d.endpointId, id));
    const ids = deliveries.map((row) => row.id);
    for (let i = 0; i < ids.length; i += 500) await tx.delete(a).where(inArray(a.deliveryId, ids.slice(i, i + 500)));
    await tx.delete(d).where(eq(d.endpointId, id));
    await tx.delete(e).where(and(eq(e.id, id), eq(e.userId, ctx.principal.userId)));
  });
}
