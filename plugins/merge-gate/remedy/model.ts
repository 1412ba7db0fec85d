import { z } from "zod";
import { SEVERITIES } from "../analysis/repo-config.ts";

/** REST and MCP shapes of remedy runs. Status values follow the review runs' (spec: QUEUED … CANCELLED). */
export const REMEDY_STATUSES = ["QUEUED", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type RemedyStatus = (typeof REMEDY_STATUSES)[number];
export const ACTIVE_STATUSES: RemedyStatus[] = ["QUEUED", "IN_PROGRESS"];
export const REMEDY_STAGES = ["queued", "fixing", "re-reviewing", "done"] as const;
export type RemedyStage = (typeof REMEDY_STAGES)[number];
export const REMEDY_OUTCOMES = ["resolved", "partially_resolved", "unresolved"] as const;
export type RemedyOutcome = (typeof REMEDY_OUTCOMES)[number];

const ids = z.array(z.string().min(1).max(200)).min(1).max(200);

/** The options of a remedy, the same from REST (`POST /review-runs/{id}/remedy`) and MCP (`queue_remedy`). */
export const remedyOptions = {
  findingIds: ids.optional().describe("Only these findings (ids from the review run); default: every finding of the chosen severities"),
  fingerprints: ids.optional().describe("Only the findings with these fingerprints"),
  severities: z.array(z.enum(SEVERITIES)).min(1).max(3).optional().describe("Severities to fix (default: FAIL and WARNING)"),
  model: z.string().min(1).max(200).optional().describe("The fix agent's model (GET /api/v1/coding-agent/models)"),
  limits: z
    .strictObject({
      maxMinutes: z.number().int().min(1).optional(),
      maxCredits: z.number().min(0).optional(),
      maxTurns: z.number().int().min(1).optional(),
    })
    .optional()
    .describe("Lower the server's remedy limits (never raise them)"),
};
export const queueRemedyBody = z.strictObject(remedyOptions);
export type QueueRemedyInput = z.output<typeof queueRemedyBody>;

const iso = z.string().describe("ISO 8601 timestamp");

export const remedyTargetObject = z.object({
  id: z.string(),
  fingerprint: z.string(),
  specialist: z.string(),
  severity: z.string(),
  title: z.string(),
  filePath: z.string().nullable(),
  startLine: z.number().int().nullable(),
  endLine: z.number().int().nullable(),
});

export const remedyRunObject = z.object({
  remedyRunId: z.string(),
  object: z.literal("remedy.run"),
  status: z.enum(REMEDY_STATUSES),
  stage: z.enum(REMEDY_STAGES).describe("Progress inside IN_PROGRESS: fixing (the agent works), re-reviewing (the fix commit is being judged)"),
  reviewRunId: z.string(),
  repository: z.string(),
  pullRequestNumber: z.number().int(),
  headSha: z.string().describe("The reviewed SHA the fix is based on"),
  headBranch: z.string().nullable(),
  targets: z.array(remedyTargetObject).describe("The findings this remedy fixes"),
  model: z.string().nullable(),
  limits: z.object({ maxMinutes: z.number(), maxCredits: z.number(), maxTurns: z.number() }),
  codingAgentRunId: z.string().nullable().describe("The fix run (GET /api/v1/coding-agent/runs/{id}, with its live stream)"),
  commitSha: z.string().nullable().describe("The fix commit pushed to the head branch"),
  followUpReviewRunId: z.string().nullable().describe("The review of the fix commit"),
  outcome: z.enum(REMEDY_OUTCOMES).nullable(),
  resolvedFingerprints: z.array(z.string()),
  remainingFingerprints: z.array(z.string()),
  failureReason: z.string().nullable(),
  creditsUsed: z.number().describe("The fix run (model tokens and sandbox time) plus the re-review, in credits"),
  urls: z.object({ remedyRun: z.string(), reviewRun: z.string(), patch: z.string(), codingAgentRun: z.string().nullable(), followUpReviewRun: z.string().nullable() }),
  createdAt: iso,
  updatedAt: iso,
  startedAt: iso.nullable(),
  completedAt: iso.nullable(),
});
export type RemedyRunView = z.output<typeof remedyRunObject>;

/** What every review-run snapshot carries as `latestRemedyRun`. */
export const latestRemedyObject = z.object({
  id: z.string(),
  status: z.enum(REMEDY_STATUSES),
  stage: z.enum(REMEDY_STAGES),
  outcome: z.enum(REMEDY_OUTCOMES).nullable(),
  commitSha: z.string().nullable(),
  followUpReviewRunId: z.string().nullable(),
  url: z.string(),
});
