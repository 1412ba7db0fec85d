/**
 * The one schema. `sqlite.ts` and `pg.ts` instantiate it per dialect for drizzle-kit and the runtime.
 * Add a table here, then run `bun run db:generate` to write both migration folders.
 */
import type { ColumnKit } from "./columns.ts";
import { defineChangeControlTables } from "./change-control.ts";
import { defineCodingAgentTables } from "./coding-agent.ts";
import { defineInferenceTables } from "./inference.ts";
import { defineMergeGateTables } from "./merge-gate.ts";
import { defineRemedyTables } from "./remedy.ts";
import { defineSessionTables } from "./sessions.ts";
import { defineWebhookTables } from "./webhooks.ts";

export function defineSchema(k: ColumnKit) {
  const users = k.table("users", {
    id: k.text("id").primaryKey(),
    name: k.text("name").notNull().unique(),
    createdAt: k.timestamp("created_at").notNull(),
    /** Dashboard sign-in: an argon2id hash (Bun.password); null for users who only have API keys. */
    passwordHash: k.text("password_hash"),
    /** Dashboard admins see installations and members, and their browser session carries the admin scope. */
    isAdmin: k.bool("is_admin").notNull().default(false),
  });

  const apiKeys = k.table(
    "api_keys",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      name: k.text("name").notNull(),
      /** SHA-256 of the whole key, hex. The key itself is never stored. */
      hash: k.text("hash").notNull().unique(),
      /** First characters of the key, shown in listings so a human can tell keys apart. */
      prefix: k.text("prefix").notNull(),
      scopes: k.json<string[]>("scopes").notNull(),
      createdAt: k.timestamp("created_at").notNull(),
      lastUsedAt: k.timestamp("last_used_at"),
      expiresAt: k.timestamp("expires_at"),
      revokedAt: k.timestamp("revoked_at"),
      /** Inference: the key opted in to training retention (its prompts are kept; it pays the discounted rate). */
      trainingOptIn: k.bool("training_opt_in").notNull().default(false),
      /** Inference: the model ids this key may call; null means every configured model. */
      allowedModels: k.json<string[]>("allowed_models"),
      /** Inference: requests per minute; null means unlimited. */
      rpmLimit: k.int("rpm_limit"),
      /**
       * Inference: the user credential (`user_credentials.name`, e.g. `openrouter`) the gateway sends upstream
       * instead of the server's key (BYOK: recorded, not charged). Set on coding-agent run keys.
       */
      upstreamCredential: k.text("upstream_credential"),
    },
    (t) => [k.index("api_keys_user_idx").on(t.userId)],
  );

  /** Every background job is a row first; a queue only ever carries its id. */
  const jobs = k.table(
    "jobs",
    {
      id: k.text("id").primaryKey(),
      name: k.text("name").notNull(),
      payload: k.json<unknown>("payload").notNull(),
      /** queued | running | completed | failed | cancelled */
      status: k.text("status").notNull(),
      attempts: k.int("attempts").notNull().default(0),
      maxAttempts: k.int("max_attempts").notNull(),
      runAt: k.timestamp("run_at").notNull(),
      leaseUntil: k.timestamp("lease_until"),
      lockedBy: k.text("locked_by"),
      lastError: k.text("last_error"),
      result: k.json<unknown>("result"),
      /** Optional caller-chosen key: enqueueing the same key twice returns the first job. */
      dedupeKey: k.text("dedupe_key").unique(),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
      finishedAt: k.timestamp("finished_at"),
    },
    (t) => [k.index("jobs_status_run_at_idx").on(t.status, t.runAt), k.index("jobs_status_lease_idx").on(t.status, t.leaseUntil)],
  );

  /** Current balance per user in micro-credits (1 credit = 1,000,000). The ledger explains every change. */
  const creditAccounts = k.table("credit_accounts", {
    userId: k.text("user_id").primaryKey().references(() => users.id),
    balance: k.bigint("balance").notNull().default(0),
    updatedAt: k.timestamp("updated_at").notNull(),
  });

  /** Append-only: grant, reserve, settle, release, charge. `amount` is signed (negative takes credits). */
  const creditLedger = k.table(
    "credit_ledger",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      kind: k.text("kind").notNull(),
      amount: k.bigint("amount").notNull(),
      balanceAfter: k.bigint("balance_after").notNull(),
      reservationId: k.text("reservation_id"),
      reference: k.text("reference"),
      memo: k.text("memo"),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.index("credit_ledger_user_idx").on(t.userId, t.createdAt)],
  );

  /** Credits held for work in flight; settled to the real cost or released. */
  const creditReservations = k.table(
    "credit_reservations",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      amount: k.bigint("amount").notNull(),
      /** open | settled | released */
      status: k.text("status").notNull(),
      reference: k.text("reference"),
      /** The process holding it (the job worker id); null for holds a record owns (coding-agent runs). */
      holder: k.text("holder"),
      /** Renewed by the holder while it lives; an open hold past it is reclaimed (src/credits/reclaim.ts). */
      leaseExpiresAt: k.timestamp("lease_expires_at"),
      createdAt: k.timestamp("created_at").notNull(),
      closedAt: k.timestamp("closed_at"),
    },
    (t) => [k.index("credit_reservations_lease_idx").on(t.status, t.leaseExpiresAt)],
  );

  /** Instance-level values (signing keys, the encryption canary), encrypted at rest where secret. */
  const instanceSettings = k.table("instance_settings", {
    name: k.text("name").primaryKey(),
    value: k.text("value").notNull(),
    createdAt: k.timestamp("created_at").notNull(),
    updatedAt: k.timestamp("updated_at").notNull(),
  });

  const core = { users, apiKeys, jobs, creditAccounts, creditLedger, creditReservations, instanceSettings };
  return { ...core, ...defineMergeGateTables(k, core), ...defineInferenceTables(k, core), ...defineChangeControlTables(k, core), ...defineWebhookTables(k, core), ...defineCodingAgentTables(k, core), ...defineRemedyTables(k, core), ...defineSessionTables(k, core) };
}

export type Schema = ReturnType<typeof defineSchema>;
