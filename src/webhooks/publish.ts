import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import { resolveWebhookTarget, WebhookUrlRefused } from "./guard.ts";
import { ensureDeliveryJob } from "./job.ts";
import { retryPolicy } from "./policy.ts";
import type { WebhookChannel } from "./signing.ts";
import { type DeliveryRow, insertDelivery, reopenDelivery } from "./store.ts";
import { deliverySecretAad } from "./targets.ts";

/**
 * The one way to send a webhook: features describe the event, this records the delivery and queues its job.
 * Nothing here touches the network, so publishing from a review (or any request) never waits on a receiver.
 */
export interface DeliveryRequest {
  channel: WebhookChannel;
  event: string;
  /**
   * Names this occurrence of the event (e.g. `review.run.completed:<runId>:<execution>`). Publishing the same
   * occurrence to the same receiver again adds nothing, so a retried publisher cannot double-send.
   */
  occurrence: string;
  /** The JSON body, serialised once: every attempt and redelivery sends these exact bytes. */
  payload: Record<string, unknown>;
  /** Lifecycle: the registered endpoint. */
  endpointId?: string;
  /** Per-run: the URL and (plain) secret given with the run; the secret is sealed into the delivery row. */
  target?: { url: string; secret: string };
  runId?: string;
  installationId?: string;
  repository?: string;
}

export async function enqueueDelivery(ctx: AppContext, request: DeliveryRequest): Promise<DeliveryRow> {
  if (!request.endpointId === !request.target) throw new Error("a delivery needs exactly one of endpointId and target");
  const id = newId();
  // A run has one per-run target per execution, and the occurrence names the execution.
  const receiver = request.endpointId ?? "run";
  const { row } = await insertDelivery(ctx, {
    id,
    channel: request.channel,
    endpointId: request.endpointId ?? null,
    runId: request.runId ?? null,
    event: request.event,
    dedupeKey: `${request.occurrence}|${receiver}`,
    url: request.target?.url ?? null,
    secret: request.target ? ctx.secrets.encrypt(deliverySecretAad(id), request.target.secret) : null,
    body: JSON.stringify(request.payload),
    installationId: request.installationId ?? null,
    repository: request.repository ?? null,
    maxAttempts: retryPolicy(ctx.config).maxAttempts,
  });
  // Also for a delivery that already existed: its job may be the part a crashed publisher never wrote.
  await ensureDeliveryJob(ctx, row);
  return row;
}

/** Sends a finished delivery again under the same id and body (a fresh round of attempts); a pending one is left as is. */
export async function redeliver(ctx: AppContext, row: DeliveryRow): Promise<DeliveryRow> {
  const reopened = row.status === "pending" ? row : await reopenDelivery(ctx, row, retryPolicy(ctx.config).maxAttempts);
  if (!reopened) throw new AppError("CONFLICT", `Delivery ${row.id} changed meanwhile; try again`);
  await ensureDeliveryJob(ctx, reopened);
  return reopened;
}

/** Registration-time check of a webhook URL (both channels): 422 naming the field when the guard refuses it. */
export async function assertWebhookUrl(ctx: AppContext, url: string, field: string): Promise<void> {
  try {
    await resolveWebhookTarget(url, { allowedCidrs: ctx.config.webhookAllowedCidrs });
  } catch (error) {
    if (error instanceof WebhookUrlRefused) throw new AppError("VALIDATION", `${field}: ${error.message}`);
    throw error;
  }
}
