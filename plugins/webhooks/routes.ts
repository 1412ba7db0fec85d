import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../src/context.ts";
import { authPlugin } from "../../src/http/auth.ts";
import { listDeliveries, redeliverOne } from "./deliveries.ts";
import { createEndpoint, deleteEndpoint, listEndpoints } from "./endpoints.ts";
import {
  createEndpointBody,
  deliveryObject,
  deliveryParams,
  endpointObject,
  endpointParams,
  eventCatalogObject,
  LIFECYCLE_EVENT_CATALOG,
  type LifecycleEvent,
  listDeliveriesQuery,
} from "./model.ts";

const error = z.object({ error: z.string() });
const tags = ["Webhooks"];
const security = [{ bearer: [] }];
const scopes: ["manage:webhooks"] = ["manage:webhooks"];
const eventCatalog = Object.entries(LIFECYCLE_EVENT_CATALOG).map(([name, description]) => ({ name: name as LifecycleEvent, description }));

/** Installation lifecycle webhooks (scope manage:webhooks): register, list, delete; inspect and redeliver deliveries. */
export const webhookRoutes = (ctx: AppContext) =>
  new Elysia({ name: "webhooks", prefix: "/api/v1/webhook-endpoints" })
    .use(authPlugin(ctx))
    .post(
      "/",
      async ({ body, principal, set }) => {
        const endpoint = await createEndpoint({ ...ctx, principal }, body);
        set.status = 201;
        return { webhookEndpoint: endpoint };
      },
      {
        scopes,
        body: createEndpointBody,
        response: { 201: z.object({ webhookEndpoint: endpointObject }), 401: error, 403: error, 404: error, 422: error },
        detail: {
          tags,
          security,
          summary: "Subscribe a URL to installation lifecycle events",
          description: `Events: ${eventCatalog.map((e) => `\`${e.name}\` (${e.description})`).join("; ")}. The secret (at least 32 characters) signs every delivery and is never returned. URLs must be https and reach a public address unless CRITIQUE_WEBHOOK_ALLOWED_CIDRS allows it.`,
        },
      },
    )
    .get("/", async ({ principal }) => ({ webhookEndpoints: await listEndpoints({ ...ctx, principal }), eventCatalog }), {
      scopes,
      response: { 200: z.object({ webhookEndpoints: z.array(endpointObject), eventCatalog: eventCatalogObject }), 401: error, 403: error },
      detail: { tags, security, summary: "Your lifecycle webhook endpoints (secrets masked) and the event catalog" },
    })
    .delete(
      "/:id",
      async ({ params, principal, set }) => {
        await deleteEndpoint({ ...ctx, principal }, params.id);
        set.status = 204;
        return null;
      },
      {
        scopes,
        params: endpointParams,
        response: { 204: z.any().describe("Deleted: no body"), 401: error, 403: error, 404: error },
        detail: { tags, security, summary: "Delete an endpoint and its delivery history" },
      },
    )
    .get("/:id/deliveries", async ({ params, query, principal }) => listDeliveries({ ...ctx, principal }, params.id, query), {
      scopes,
      params: endpointParams,
      query: listDeliveriesQuery,
      response: { 200: z.object({ deliveries: z.array(deliveryObject), nextCursor: z.string().nullable() }), 401: error, 403: error, 404: error, 422: error },
      detail: { tags, security, summary: "Deliveries of an endpoint, newest first, each with every attempt (status, latency, truncated answer, error)" },
    })
    .post(
      "/:id/deliveries/:deliveryId/redeliver",
      async ({ params, principal, set }) => {
        const delivery = await redeliverOne({ ...ctx, principal }, params.id, params.deliveryId);
        set.status = 202;
        return { delivery };
      },
      {
        scopes,
        params: deliveryParams,
        response: { 202: z.object({ delivery: deliveryObject }), 401: error, 403: error, 404: error, 409: error },
        detail: { tags, security, summary: "Send a delivery again: same id, same body, a fresh round of attempts" },
      },
    );
