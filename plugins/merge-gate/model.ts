import { z } from "zod";
import { latestRemedyObject } from "./remedy/model.ts";

/** REST shapes of the merge gate. Field names, status values and examples follow spec/merge-gate-api.txt. */
export const RUN_STATUSES = ["QUEUED", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"] as const;
export const TERMINAL_STATUSES = ["COMPLETED", "FAILED", "CANCELLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const PER_RUN_EVENTS = ["review.queued", "review.completed", "review.failed"] as const;

export const queueReviewBody = z.strictObject({
  repositoryFullName: z
    .string({ error: "is required (owner/repo)" })
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repo")
    // Its own message: the schema-level `error` above would otherwise say "is required" of a too-long name.
    .max(200, "must be at most 200 characters"),
  pullRequestNumber: z.number({ error: "is required (an integer ≥ 1)" }).int("must be an integer ≥ 1").min(1, "must be an integer ≥ 1"),
  headSha: z
    .string({ error: "is required (a commit SHA)" })
    .regex(/^[0-9a-fA-F]{7,64}$/, "must be a hex commit SHA of at least 7 characters"),
  pullRequestTitle: z.string().max(500).optional(),
  webhook: z
    .strictObject({
      url: z.url("must be an absolute URL").max(2_000, "must be at most 2000 characters"),
      secret: z.string().min(32, "must be at least 32 characters").max(500),
      events: z.array(z.enum(PER_RUN_EVENTS)).min(1).max(PER_RUN_EVENTS.length).optional(),
    })
    .optional(),
});
export type QueueReviewInput = z.output<typeof queueReviewBody>;

export const reviewObject = z.object({
  reviewRunId: z.string(),
  status: z.enum(RUN_STATUSES),
  repository: z.string(),
  pullRequestNumber: z.number().int(),
  headSha: z.string(),
});

export const findingObject = z.object({
  id: z.string(),
  specialist: z.string(),
  severity: z.enum(["INFO", "WARNING", "FAIL"]),
  confidence: z.number(),
  title: z.string(),
  summary: z.string(),
  filePath: z.string().nullable(),
  startLine: z.number().int().nullable(),
  endLine: z.number().int().nullable(),
  fingerprint: z.string(),
  /** Whether the previous run of this pull request already had it. */
  novelty: z.enum(["new", "persisting"]),
});

export const reviewRunObject = z.object({
  reviewRunId: z.string(),
  status: z.enum(RUN_STATUSES),
  verdict: z.enum(["PASS", "WARN", "FAIL"]).nullable(),
  summary: z.string().nullable(),
  riskBand: z.enum(["low", "medium", "high", "critical"]).nullable(),
  riskScore: z.number().nullable(),
  headSha: z.string(),
  changePassportId: z.string().nullable(),
  findings: z.array(findingObject),
  findingsTotal: z.number().int(),
  findingsTruncated: z.boolean(),
  urls: z.object({ reviewRun: z.string(), reviewRunWithFindings: z.string(), dashboard: z.string().describe("The run's page in the web dashboard") }),
  latestRemedyRun: latestRemedyObject.nullable().describe("The newest remedy (fix run) queued from this review, if any"),
  repository: z.string(),
  pullRequestNumber: z.number().int(),
  pullRequestTitle: z.string().nullable(),
  trigger: z.enum(["api", "github"]),
  execution: z.number().int(),
  failureReason: z.string().nullable().optional(),
  coverage: z.unknown().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});
export type ReviewRunView = z.output<typeof reviewRunObject>;

export const reviewRunQuery = z.object({ findings: z.enum(["all"], { error: "must be 'all' or omitted" }).optional() });

export const listRunsQuery = z.object({
  repository: z.string().max(200).regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repo").optional(),
  pullRequestNumber: z.coerce.number().int().min(1).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  verdict: z.enum(["PASS", "WARN", "FAIL"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListRunsQuery = z.output<typeof listRunsQuery>;

export const listRunsResponse = z.object({
  reviewRuns: z.array(reviewRunObject.omit({ findings: true, findingsTruncated: true })),
  nextCursor: z.string().nullable(),
});
