/** Change control tables: checkpoints, change passports with their immutable snapshots, policy evaluations. */
import type { ColumnKit } from "./columns.ts";

export function defineChangeControlTables(k: ColumnKit, core: { users: { id: any } }) {
  const { users } = core;

  /**
   * One governed record per (installation, repository, pull request): a repository that moves to another
   * installation starts a new passport, so one tenant's record never holds another's reviews. Its current state
   * is denormalised for the queue view.
   */
  const passports = k.table(
    "passports",
    {
      id: k.text("id").primaryKey(),
      installationId: k.text("installation_id").notNull(),
      repository: k.text("repository").notNull(),
      repositoryKey: k.text("repository_key").notNull(),
      pullRequestNumber: k.int("pull_request_number").notNull(),
      title: k.text("title"),
      headSha: k.text("head_sha").notNull(),
      verdict: k.text("verdict"),
      riskBand: k.text("risk_band"),
      riskScore: k.int("risk_score"),
      checkpointOutcome: k.text("checkpoint_outcome"),
      policyOutcome: k.text("policy_outcome"),
      latestReviewRunId: k.text("latest_review_run_id"),
      snapshotCount: k.int("snapshot_count").notNull().default(0),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
    },
    (t) => [
      k.uniqueIndex("passports_installation_pr_idx").on(t.installationId, t.repositoryKey, t.pullRequestNumber),
      k.index("passports_installation_idx").on(t.installationId, t.updatedAt),
    ],
  );

  /** Append-only: every change to a passport adds one, never edited. `sequence` orders the timeline. */
  const passportSnapshots = k.table(
    "passport_snapshots",
    {
      id: k.text("id").primaryKey(),
      passportId: k.text("passport_id").notNull().references(() => passports.id),
      sequence: k.int("sequence").notNull(),
      /** review | checkpoint | policy | remedy */
      kind: k.text("kind").notNull(),
      /** The review run, checkpoint or policy evaluation this snapshot records. */
      refId: k.text("ref_id").notNull(),
      headSha: k.text("head_sha").notNull(),
      state: k.json<Record<string, unknown>>("state").notNull(),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.uniqueIndex("passport_snapshots_seq_idx").on(t.passportId, t.sequence)],
  );

  const checkpoints = k.table(
    "checkpoints",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").references(() => users.id),
      installationId: k.text("installation_id").notNull(),
      repository: k.text("repository").notNull(),
      repositoryKey: k.text("repository_key").notNull(),
      pullRequestNumber: k.int("pull_request_number").notNull(),
      headSha: k.text("head_sha").notNull(),
      /** QUEUED | COMPLETED | FAILED */
      status: k.text("status").notNull(),
      /** block | warn | pass */
      outcome: k.text("outcome"),
      rules: k.json<unknown[]>("rules"),
      failureReason: k.text("failure_reason"),
      trigger: k.text("trigger").notNull(),
      changePassportId: k.text("change_passport_id"),
      createdAt: k.timestamp("created_at").notNull(),
      completedAt: k.timestamp("completed_at"),
    },
    (t) => [k.index("checkpoints_installation_pr_idx").on(t.installationId, t.repositoryKey, t.pullRequestNumber)],
  );

  const policyEvaluations = k.table(
    "policy_evaluations",
    {
      id: k.text("id").primaryKey(),
      passportId: k.text("passport_id").notNull().references(() => passports.id),
      headSha: k.text("head_sha").notNull(),
      /** What triggered it: the review run or checkpoint id. */
      reviewRunId: k.text("review_run_id"),
      checkpointId: k.text("checkpoint_id"),
      /** allow | require_approval | block */
      outcome: k.text("outcome").notNull(),
      reasons: k.json<string[]>("reasons").notNull(),
      policy: k.json<Record<string, unknown>>("policy").notNull(),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.index("policy_evaluations_passport_idx").on(t.passportId, t.createdAt)],
  );

  return { passports, passportSnapshots, checkpoints, policyEvaluations };
}
