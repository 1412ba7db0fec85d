import type { AppContext } from "../../src/context.ts";
import { webhookDeliveryJob } from "../../src/webhooks/index.ts";
import { webhookRoutes } from "./routes.ts";

export { publishLifecycleEvent, type LifecycleEventInput } from "./publish.ts";
export { LIFECYCLE_EVENTS, type LifecycleEvent, deliveryObject, listDeliveriesQuery } from "./model.ts";
export { listRunDeliveries, redeliverRunDelivery } from "./deliveries.ts";

/** Outbound webhooks: the delivery job (both channels) and the lifecycle endpoint routes. */
export function webhooks(ctx: AppContext) {
  ctx.jobs.register(webhookDeliveryJob);
  return [webhookRoutes(ctx)];
}
