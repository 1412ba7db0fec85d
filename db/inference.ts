/** Inference API tables: one row per completion (tokens, cost, BYOK), retained training samples, rate-limit windows. */
import type { ColumnKit } from "./columns.ts";

export function defineInferenceTables(k: ColumnKit, core: { users: { id: any }; apiKeys: { id: any } }) {
  const { users, apiKeys } = core;

  /** Every chat completion that reached an upstream: what it used and what it cost (BYOK calls cost 0). */
  const inferenceUsage = k.table(
    "inference_usage",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      keyId: k.text("key_id").notNull().references(() => apiKeys.id),
      model: k.text("model").notNull(),
      /** The provider that answered (`x-critique-provider`). */
      provider: k.text("provider").notNull(),
      promptTokens: k.int("prompt_tokens").notNull(),
      completionTokens: k.int("completion_tokens").notNull(),
      /** Micro-credits charged. */
      cost: k.bigint("cost").notNull(),
      /** True when the upstream sent no usage and the tokens were counted here. */
      estimated: k.bool("estimated").notNull(),
      /** True when the caller's own upstream key was used: tokens recorded, nothing charged. */
      byok: k.bool("byok").notNull(),
      trainingOptIn: k.bool("training_opt_in").notNull(),
      stream: k.bool("stream").notNull(),
      /** completed | cancelled (client disconnected) | failed (upstream broke mid-stream) */
      status: k.text("status").notNull(),
      /**
       * True when enforce mode charged less than the tokens cost: the upstream reported more than the call's
       * hold (its worst case), and a balance never goes below zero. The tokens above are still the real ones.
       */
      costCapped: k.bool("cost_capped").notNull().default(false),
      reservationId: k.text("reservation_id"),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.index("inference_usage_user_idx").on(t.userId, t.createdAt), k.index("inference_usage_reservation_idx").on(t.reservationId)],
  );

  /** Prompts and completions of keys that opted in to training retention. Nothing else is ever stored. */
  const trainingSamples = k.table(
    "training_samples",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      keyId: k.text("key_id").notNull().references(() => apiKeys.id),
      model: k.text("model").notNull(),
      /** The request's messages (and tools, response_format) as sent. */
      request: k.json<Record<string, unknown>>("request").notNull(),
      /** The assistant message(s) produced. */
      completion: k.json<unknown[]>("completion").notNull(),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.index("training_samples_created_idx").on(t.createdAt)],
  );

  /** Requests per key per minute, for keys with an rpm limit when no Redis is configured. */
  const rateLimitWindows = k.table("rate_limit_windows", {
    /** `<key id>:<window start in epoch minutes>` */
    id: k.text("id").primaryKey(),
    count: k.int("count").notNull(),
    expiresAt: k.timestamp("expires_at").notNull(),
  });

  return { inferenceUsage, trainingSamples, rateLimitWindows };
}
