/** Outbound webhooks: lifecycle endpoints users register, every delivery (both channels) and each attempt of it. */
import type { ColumnKit } from "./columns.ts";

export function defineWebhookTables(k: ColumnKit, core: { users: { id: any } }) {
  const { users } = core;

  /** Installation lifecycle subscriptions (`POST /api/v1/webhook-endpoints`), owned by one user. */
  const webhookEndpoints = k.table(
    "webhook_endpoints",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      url: k.text("url").notNull(),
      description: k.text("description"),
      events: k.json<string[]>("events").notNull(),
      /** `owner/repo` names as registered; null means every repository of the owner's installations. */
      repositories: k.json<string[]>("repositories"),
      /** Sealed with the secrets box (associated data `webhook_endpoints.secret.<id>`); never returned. */
      secret: k.text("secret").notNull(),
      /** The last characters of the secret, so a human can tell secrets apart. */
      secretHint: k.text("secret_hint").notNull(),
      /** active | disabled (the receiver answered 410 Gone) */
      status: k.text("status").notNull(),
      disabledReason: k.text("disabled_reason"),
      disabledAt: k.timestamp("disabled_at"),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
    },
    (t) => [k.index("webhook_endpoints_user_idx").on(t.userId)],
  );

  /**
   * One event for one receiver. The row is the truth: `slot` names the one job allowed to act on it, the body is
   * fixed when the event happens (every attempt and redelivery sends the same bytes under the same id).
   */
  const webhookDeliveries = k.table(
    "webhook_deliveries",
    {
      /** Sent as X-Critique-Webhook-ID and webhook-id. */
      id: k.text("id").primaryKey(),
      /** lifecycle | run */
      channel: k.text("channel").notNull(),
      endpointId: k.text("endpoint_id"),
      runId: k.text("run_id"),
      event: k.text("event").notNull(),
      /** One delivery per (event occurrence, receiver): publishing the same occurrence twice adds nothing. */
      dedupeKey: k.text("dedupe_key").notNull().unique(),
      /** Per-run deliveries carry their own target: URL and secret (sealed as `webhook_deliveries.secret.<id>`). */
      url: k.text("url"),
      secret: k.text("secret"),
      body: k.text("body").notNull(),
      installationId: k.text("installation_id"),
      repository: k.text("repository"),
      /** pending | delivered | failed | cancelled */
      status: k.text("status").notNull(),
      slot: k.int("slot").notNull().default(1),
      attempts: k.int("attempts").notNull().default(0),
      maxAttempts: k.int("max_attempts").notNull(),
      nextAttemptAt: k.timestamp("next_attempt_at"),
      lastStatusCode: k.int("last_status_code"),
      lastError: k.text("last_error"),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
      deliveredAt: k.timestamp("delivered_at"),
    },
    (t) => [k.index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id), k.index("webhook_deliveries_run_idx").on(t.runId)],
  );

  /** Every attempt: when, how long, what the receiver answered (truncated) or what went wrong. */
  const webhookAttempts = k.table(
    "webhook_attempts",
    {
      id: k.text("id").primaryKey(),
      deliveryId: k.text("delivery_id").notNull(),
      number: k.int("number").notNull(),
      startedAt: k.timestamp("started_at").notNull(),
      latencyMs: k.int("latency_ms"),
      statusCode: k.int("status_code"),
      responseBody: k.text("response_body"),
      error: k.text("error"),
      /** null while in flight; delivered | retry | failed | gone | interrupted */
      outcome: k.text("outcome"),
    },
    (t) => [k.uniqueIndex("webhook_attempts_delivery_number_idx").on(t.deliveryId, t.number)],
  );

  return { webhookEndpoints, webhookDeliveries, webhookAttempts };
}
