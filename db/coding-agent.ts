/** Coding Agent API tables: runs, their replayable events, and per-user sealed credentials (OpenRouter BYOK). */
import type { ColumnKit } from "./columns.ts";

export function defineCodingAgentTables(k: ColumnKit, core: { users: { id: any } }) {
  const { users } = core;

  /** One coding-agent run: a sandbox, a prompt and its follow-ups, a patch, optionally a branch and draft PR. */
  const codingAgentRuns = k.table(
    "coding_agent_runs",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      /** QUEUED | PROVISIONING | RUNNING | IDLE | COMPLETED | FAILED | CANCELLED | EXPIRED */
      status: k.text("status").notNull(),
      model: k.text("model").notNull(),
      /** credits | openrouter (model calls on the user's own OpenRouter key; only sandbox time is charged) */
      billing: k.text("billing").notNull(),
      prompt: k.text("prompt").notNull(),
      /** Set while a follow-up waits for its turn to start. */
      pendingPrompt: k.text("pending_prompt"),
      repository: k.text("repository"),
      installationId: k.text("installation_id"),
      ref: k.text("ref"),
      baseSha: k.text("base_sha"),
      createPullRequest: k.bool("create_pull_request").notNull().default(false),
      branchName: k.text("branch_name"),
      pullRequestTitle: k.text("pull_request_title"),
      pullRequestUrl: k.text("pull_request_url"),
      pullRequestNumber: k.int("pull_request_number"),
      /**
       * Set when the run pushes onto a branch that already exists (a remedy on a pull request's head branch): the
       * commit the branch must still point at. The first push fast-forwards it from there instead of creating it.
       */
      pushOnto: k.text("push_onto"),
      /** The first commit's message, when the caller chose it (a remedy's names the findings it addresses). */
      commitMessage: k.text("commit_message"),
      /** The last commit pushed to the branch. */
      commitSha: k.text("commit_sha"),
      limits: k.json<{ maxMinutes: number; maxCredits: number; maxTurns: number }>("limits").notNull(),
      /** Prompts handled so far (the first one and follow-ups). */
      turns: k.int("turns").notNull().default(0),
      summary: k.text("summary"),
      diffstat: k.json<{ files: number; additions: number; deletions: number }>("diffstat"),
      /** The unified diff against base_sha after the last turn. */
      patch: k.text("patch"),
      /** Per-run webhook: url, events and the secret sealed as `coding_agent_runs.webhook.<id>`. */
      webhook: k.json<{ url: string; events: string[]; secret: string }>("webhook"),
      metadata: k.json<Record<string, unknown>>("metadata"),
      /** `<userId>:<Idempotency-Key>`: the same key from the same user returns the first run. */
      idempotencyKey: k.text("idempotency_key").unique(),
      provider: k.text("provider").notNull(),
      sandboxId: k.text("sandbox_id"),
      /** The process that holds a local sandbox (local sandboxes live and die with their server process). */
      sandboxOwner: k.text("sandbox_owner"),
      agentSessionId: k.text("agent_session_id"),
      /** The run's own short-lived inference key: its id, and the key sealed as `coding_agent_runs.run_key.<id>`. */
      runKeyId: k.text("run_key_id"),
      runKey: k.text("run_key"),
      /** Sandbox time held up front (credits), settled when the run ends. */
      reservationId: k.text("reservation_id"),
      /** Milliseconds of sandbox time used so far (turns only: idle time is not charged). */
      sandboxMs: k.int("sandbox_ms").notNull().default(0),
      /** Micro-credits charged for sandbox time once settled. */
      sandboxCost: k.bigint("sandbox_cost"),
      failureReason: k.text("failure_reason"),
      /** Next event sequence number minus one: events are numbered 1, 2, 3… per run. */
      lastEventSeq: k.int("last_event_seq").notNull().default(0),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
      startedAt: k.timestamp("started_at"),
      /** While IDLE: when the warm sandbox is released. */
      idleUntil: k.timestamp("idle_until"),
      completedAt: k.timestamp("completed_at"),
    },
    (t) => [k.index("coding_agent_runs_user_idx").on(t.userId, t.id), k.index("coding_agent_runs_status_idx").on(t.status)],
  );

  /** Everything a run did, in order: what `GET …/stream` replays (from any server process). */
  const codingAgentEvents = k.table(
    "coding_agent_events",
    {
      runId: k.text("run_id").notNull(),
      seq: k.int("seq").notNull(),
      type: k.text("type").notNull(),
      data: k.json<Record<string, unknown>>("data").notNull(),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.runId, t.seq] })],
  );

  /** Credentials a user stores for the server to use on their behalf (never returned): e.g. `openrouter`. */
  const userCredentials = k.table(
    "user_credentials",
    {
      userId: k.text("user_id").notNull().references(() => users.id),
      name: k.text("name").notNull(),
      /** Sealed as `user_credentials.value.<userId>:<name>`. */
      value: k.text("value").notNull(),
      hint: k.text("hint").notNull(),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.userId, t.name] })],
  );

  return { codingAgentRuns, codingAgentEvents, userCredentials };
}
