import { z } from "zod";
import { findingObject, reviewRunObject } from "../model.ts";

/** REST shapes of the BYOA handoff: a finished review's findings packaged for the team's own fix agent. */
export const HANDOFF_AGENTS = ["cursor", "codex", "claude", "generic"] as const;
export type HandoffAgent = (typeof HANDOFF_AGENTS)[number];

/** What the fix agent must put in place of the head SHA when it re-queues (it only exists after its push). */
export const NEW_HEAD_PLACEHOLDER = "NEW_HEAD_SHA_AFTER_FIX";

export const handoffQuery = z.object({
  agent: z.enum(HANDOFF_AGENTS, { error: `must be one of ${HANDOFF_AGENTS.join(", ")} (default generic)` }).default("generic"),
});

/** The re-queue step of the spec ("After FAIL: fix paths"), as data and as the spec's curl. */
export const requeueObject = z.object({
  method: z.literal("POST"),
  url: z.string(),
  body: z.object({ repositoryFullName: z.string(), pullRequestNumber: z.number().int(), headSha: z.literal(NEW_HEAD_PLACEHOLDER) }),
  curl: z.string(),
});
export type Requeue = z.output<typeof requeueObject>;

export const handoffObject = z.object({
  agent: z.enum(HANDOFF_AGENTS),
  reviewRunId: z.string(),
  repository: z.string(),
  pullRequestNumber: z.number().int(),
  headSha: z.string(),
  verdict: reviewRunObject.shape.verdict,
  /** Ready-to-paste markdown for `agent`. */
  prompt: z.string(),
  /** Every finding of the run, exactly as `GET /api/v1/review-runs/{id}?findings=all` lists them (FAIL first). */
  findings: z.array(findingObject),
  requeue: requeueObject,
});
export type Handoff = z.output<typeof handoffObject>;
