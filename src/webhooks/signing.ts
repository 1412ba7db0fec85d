import { createHmac } from "node:crypto";

export type WebhookChannel = "lifecycle" | "run";

/** Per the spec's comparison table: the channel shows in the User-Agent. */
export const USER_AGENTS: Record<WebhookChannel, string> = {
  lifecycle: "Critique-Lifecycle-Webhook/1.0",
  run: "Critique-Review-Webhook/1.0",
};

/**
 * Every header of one attempt. The documented scheme: `X-Critique-Webhook-Signature: sha256=<hex HMAC-SHA256 of
 * the raw body>` (what the spec's `verifyCritiqueWebhook` checks). Beyond it, the Standard Webhooks headers sign
 * `id.timestamp.body` (HMAC-SHA256, base64, key = the secret's UTF-8 bytes: `new Webhook(secret, { format: "raw" })`
 * in the `standardwebhooks` library), so a receiver can reject a replayed delivery by its timestamp. The
 * timestamp is the attempt's, so retries and redeliveries stay inside a receiver's tolerance window.
 */
export function deliveryHeaders(input: { channel: WebhookChannel; id: string; event: string; secret: string; body: string; now?: Date }): Record<string, string> {
  const timestamp = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const hex = createHmac("sha256", input.secret).update(input.body).digest("hex");
  const standard = createHmac("sha256", input.secret).update(`${input.id}.${timestamp}.${input.body}`).digest("base64");
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENTS[input.channel],
    "x-critique-webhook-id": input.id,
    "x-critique-webhook-event": input.event,
    "x-critique-webhook-signature": `sha256=${hex}`,
    "webhook-id": input.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${standard}`,
  };
}
