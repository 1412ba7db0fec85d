/** Remedy runs: a bounded fix of a review's findings by a coding-agent run, proven by a re-review. */
import type { ColumnKit } from "./columns.ts";

/** A finding a remedy was asked to fix, as the review reported it (kept: the review may be re-run later). */
export interface RemedyTarget {
  id: string;
  fingerprint: string;
  specialist: string;
  severity: string;
  title: string;
  summary: string;
  filePath: string | null;
  startLine: number | null;
  endLine: number | null;
}

export function defineRemedyTables(k: ColumnKit, core: { users: { id: any } }) {
  const { users } = core;

  const remedyRuns = k.table(
    "remedy_runs",
    {
      id: k.text("id").primaryKey(),
      reviewRunId: k.text("review_run_id").notNull(),
      /** The review run's execution whose findings were targeted (a re-run later does not change them). */
      reviewExecution: k.int("review_execution").notNull(),
      userId: k.text("user_id").notNull().references(() => users.id),
      installationId: k.text("installation_id").notNull(),
      repository: k.text("repository").notNull(),
      repositoryKey: k.text("repository_key").notNull(),
      pullRequestNumber: k.int("pull_request_number").notNull(),
      /** The reviewed SHA: the fix is pushed only while the head branch still points at it. */
      headSha: k.text("head_sha").notNull(),
      changePassportId: k.text("change_passport_id"),
      /** QUEUED | IN_PROGRESS | COMPLETED | FAILED | CANCELLED */
      status: k.text("status").notNull(),
      /** Progress inside IN_PROGRESS: queued | fixing | re-reviewing | done */
      stage: k.text("stage").notNull(),
      targets: k.json<RemedyTarget[]>("targets").notNull(),
      model: k.text("model"),
      limits: k.json<{ maxMinutes: number; maxCredits: number; maxTurns: number }>("limits").notNull(),
      /** The pull request's head branch, read from GitHub when the remedy starts. */
      headBranch: k.text("head_branch"),
      /** The fork the head branch lives in, when it is one (the server cannot push there: the fix stays a patch). */
      headFork: k.text("head_fork"),
      codingAgentRunId: k.text("coding_agent_run_id"),
      commitSha: k.text("commit_sha"),
      followUpReviewRunId: k.text("follow_up_review_run_id"),
      /** resolved | partially_resolved | unresolved (COMPLETED only) */
      outcome: k.text("outcome"),
      resolvedFingerprints: k.json<string[]>("resolved_fingerprints"),
      remainingFingerprints: k.json<string[]>("remaining_fingerprints"),
      failureReason: k.text("failure_reason"),
      /** Micro-credits of the fix run (model tokens and sandbox time), recorded when the remedy ends. */
      creditsUsed: k.bigint("credits_used"),
      /** `<repositoryKey>#<pull request>` while the remedy is active, null after: one active remedy per pull request. */
      activeSlot: k.text("active_slot").unique(),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
      startedAt: k.timestamp("started_at"),
      completedAt: k.timestamp("completed_at"),
    },
    (t) => [
      k.index("remedy_runs_review_idx").on(t.reviewRunId, t.id),
      k.index("remedy_runs_agent_idx").on(t.codingAgentRunId),
      k.index("remedy_runs_follow_up_idx").on(t.followUpReviewRunId),
    ],
  );

  return { remedyRuns };
}
