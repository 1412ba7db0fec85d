/** Outbound webhooks, the core: features publish through here; plugins/webhooks serves the REST surface. */
export { endpointSecretAad } from "./targets.ts";
export { type ResolvedAddress, type Resolver, resolveWebhookTarget, systemResolver, type WebhookTarget, WebhookUrlRefused } from "./guard.ts";
export { postPinned, type PostResult } from "./http.ts";
export { webhookDeliveryJob } from "./job.ts";
export { ATTEMPT_TIMEOUT_MS, retryPolicy } from "./policy.ts";
export { assertWebhookUrl, type DeliveryRequest, enqueueDelivery, redeliver } from "./publish.ts";
export { deliveryHeaders, USER_AGENTS, type WebhookChannel } from "./signing.ts";
export { type AttemptRow, attemptsOf, type DeliveryRow, getDelivery } from "./store.ts";
