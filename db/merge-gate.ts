/** Merge gate tables: GitHub installations and repositories, review runs, findings, PR state. */
import type { ColumnKit } from "./columns.ts";

export function defineMergeGateTables(k: ColumnKit, core: { users: { id: any } }) {
  const { users } = core;
  const githubInstallations = k.table("github_installations", {
    /** GitHub's numeric installation id, as text. */
    id: k.text("id").primaryKey(),
    accountLogin: k.text("account_login").notNull(),
    accountType: k.text("account_type"),
    suspendedAt: k.timestamp("suspended_at"),
    deletedAt: k.timestamp("deleted_at"),
    /** Who pays for the reviews GitHub events start: the installer, or whoever `critique installations billing` set. */
    billingUserId: k.text("billing_user_id").references(() => users.id),
    createdAt: k.timestamp("created_at").notNull(),
    updatedAt: k.timestamp("updated_at").notNull(),
  });

  const githubRepositories = k.table(
    "github_repositories",
    {
      /** `owner/repo` lower-cased: GitHub names are case-insensitive. */
      key: k.text("key").primaryKey(),
      fullName: k.text("full_name").notNull(),
      installationId: k.text("installation_id").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
    },
    (t) => [k.index("github_repositories_installation_idx").on(t.installationId)],
  );

  /** Which Critique users control which installations: they see its repositories' runs and passports. */
  const installationMembers = k.table(
    "installation_members",
    {
      installationId: k.text("installation_id").notNull(),
      userId: k.text("user_id").notNull().references(() => users.id),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.installationId, t.userId] })],
  );

  const reviewRuns = k.table(
    "review_runs",
    {
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").references(() => users.id),
      installationId: k.text("installation_id").notNull(),
      repository: k.text("repository").notNull(),
      repositoryKey: k.text("repository_key").notNull(),
      pullRequestNumber: k.int("pull_request_number").notNull(),
      headSha: k.text("head_sha").notNull(),
      baseSha: k.text("base_sha"),
      pullRequestTitle: k.text("pull_request_title"),
      /** QUEUED | IN_PROGRESS | COMPLETED | FAILED | CANCELLED */
      status: k.text("status").notNull(),
      verdict: k.text("verdict"),
      summary: k.text("summary"),
      riskBand: k.text("risk_band"),
      riskScore: k.int("risk_score"),
      failureReason: k.text("failure_reason"),
      coverage: k.json<unknown>("coverage"),
      /** api | github */
      trigger: k.text("trigger").notNull(),
      /** 1 for the first execution, +1 per re-run of the same (repository, PR, SHA). */
      execution: k.int("execution").notNull().default(1),
      /** Per-run webhook: url, events, and the secret sealed with the secrets box. */
      webhook: k.json<{ url: string; events: string[]; secret: string } | null>("webhook"),
      changePassportId: k.text("change_passport_id"),
      creditsCharged: k.bigint("credits_charged"),
      createdAt: k.timestamp("created_at").notNull(),
      updatedAt: k.timestamp("updated_at").notNull(),
      startedAt: k.timestamp("started_at"),
      completedAt: k.timestamp("completed_at"),
    },
    (t) => [
      // Per installation: after a reinstall by someone else, the same (repository, PR, SHA) is a new tenant's run.
      k.uniqueIndex("review_runs_installation_target_idx").on(t.installationId, t.repositoryKey, t.pullRequestNumber, t.headSha),
      k.index("review_runs_installation_idx").on(t.installationId, t.id),
      k.index("review_runs_pr_idx").on(t.repositoryKey, t.pullRequestNumber),
    ],
  );

  const reviewFindings = k.table(
    "review_findings",
    {
      id: k.text("id").primaryKey(),
      runId: k.text("run_id").notNull().references(() => reviewRuns.id),
      specialist: k.text("specialist").notNull(),
      severity: k.text("severity").notNull(),
      /** Sort key: 0 FAIL, 1 WARNING, 2 INFO. */
      severityRank: k.int("severity_rank").notNull(),
      confidence: k.real("confidence").notNull(),
      title: k.text("title").notNull(),
      summary: k.text("summary").notNull(),
      filePath: k.text("file_path"),
      startLine: k.int("start_line"),
      endLine: k.int("end_line"),
      fingerprint: k.text("fingerprint").notNull(),
      rule: k.text("rule").notNull(),
      /** new | persisting, relative to the previous run of the same pull request. */
      novelty: k.text("novelty").notNull(),
      /**
       * The head lines startLine..endLine as the change's diff showed them at review time (at most 12 lines of 300
       * characters, 2,000 in all), secrets masked; null when they were not in the diff or could not be shown safely.
       * For the dashboard only: not part of the API's finding object.
       */
      snippet: k.text("snippet"),
      createdAt: k.timestamp("created_at").notNull(),
    },
    (t) => [k.index("review_findings_run_idx").on(t.runId, t.severityRank)],
  );

  /** Earlier executions of a re-run review: kept, never overwritten. */
  const reviewRunHistory = k.table(
    "review_run_history",
    {
      id: k.text("id").primaryKey(),
      runId: k.text("run_id").notNull().references(() => reviewRuns.id),
      execution: k.int("execution").notNull(),
      status: k.text("status").notNull(),
      verdict: k.text("verdict"),
      summary: k.text("summary"),
      riskBand: k.text("risk_band"),
      riskScore: k.int("risk_score"),
      failureReason: k.text("failure_reason"),
      findings: k.json<unknown[]>("findings").notNull(),
      completedAt: k.timestamp("completed_at"),
      archivedAt: k.timestamp("archived_at").notNull(),
    },
    (t) => [k.index("review_run_history_run_idx").on(t.runId)],
  );

  /** What we posted on a pull request, so later runs update in place instead of adding noise. */
  const pullRequestStates = k.table("pull_request_states", {
    /** `${repositoryKey}#${number}` */
    id: k.text("id").primaryKey(),
    summaryCommentId: k.text("summary_comment_id"),
    /** Fingerprints that already have an inline comment. */
    commentedFingerprints: k.json<string[]>("commented_fingerprints").notNull(),
    updatedAt: k.timestamp("updated_at").notNull(),
  });

  /** X-GitHub-Delivery ids already handled: GitHub redelivers, we act once. */
  const githubDeliveries = k.table("github_deliveries", {
    id: k.text("id").primaryKey(),
    event: k.text("event").notNull(),
    receivedAt: k.timestamp("received_at").notNull(),
    /** SHA-256 of the signed body: a replay of it under a new delivery id is a duplicate (GitHub's own redeliveries keep the id). */
    bodyHash: k.text("body_hash").unique(),
  });

  return { githubInstallations, githubRepositories, installationMembers, reviewRuns, reviewFindings, reviewRunHistory, pullRequestStates, githubDeliveries };
}
