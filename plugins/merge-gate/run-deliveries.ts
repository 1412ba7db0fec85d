import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../src/context.ts";
import { authPlugin } from "../../src/http/auth.ts";
import { deliveryObject, listDeliveriesQuery, listRunDeliveries, redeliverRunDelivery } from "../webhooks/index.ts";
import { getVisibleRun } from "./views.ts";

const error = z.object({ error: z.string() });
const security = [{ bearer: [] }];
const tags = ["Merge gate"];

/**
 * The deliveries of a review run's own webhook (the `webhook` given when it was queued), with every attempt, as
 * lifecycle endpoints show theirs; and redelivery. Visible to whoever can see the run.
 */
export const runDeliveryRoutes = (ctx: AppContext) =>
  new Elysia({ name: "merge-gate-run-deliveries", prefix: "/api/v1/review-runs/:id" })
    .use(authPlugin(ctx))
    .get(
      "/deliveries",
      async ({ params, query, principal }) => {
        const scoped = { ...ctx, principal };
        const run = await getVisibleRun(scoped, params.id);
        return listRunDeliveries(scoped, run.id, query);
      },
      {
        scopes: ["read:reviews"],
        params: z.object({ id: z.string().max(100) }),
        query: listDeliveriesQuery,
        response: { 200: z.object({ deliveries: z.array(deliveryObject), nextCursor: z.string().nullable() }), 401: error, 403: error, 404: error, 422: error },
        detail: { tags, security, summary: "Deliveries of the run's own webhook (review.queued / completed / failed), newest first, each with every attempt" },
      },
    )
    .post(
      "/deliveries/:deliveryId/redeliver",
      async ({ params, principal, set }) => {
        const scoped = { ...ctx, principal };
        const run = await getVisibleRun(scoped, params.id);
        set.status = 202;
        return { delivery: await redeliverRunDelivery(scoped, run.id, params.deliveryId) };
      },
      {
        scopes: ["write:reviews"],
        params: z.object({ id: z.string().max(100), deliveryId: z.string().max(100) }),
        response: { 202: z.object({ delivery: deliveryObject }), 401: error, 403: error, 404: error },
        detail: { tags, security, summary: "Send a run webhook's delivery again: same id, same body, a fresh round of attempts" },
      },
    );
