import { z } from "zod";
import { checkpointObject } from "../../merge-gate/checkpoints/routes.ts";
import { checkpointView, queueCheckpoint } from "../../merge-gate/checkpoints/service.ts";
import { mergePolicyOutcome } from "../../merge-gate/policy/outcome.ts";
import { renderPolicy } from "../render.ts";
import { defineTool, documented } from "../tool.ts";
import { queueReviewInput } from "./reviews.ts";

export const queueCheckpointTool = defineTool({
  name: "queue_checkpoint",
  title: "Run the checkpoint on a pull request",
  description:
    "Queues the checkpoint: deterministic rules (secrets, risky paths, source without tests…), no model, seconds not minutes; a cheap pre-filter before queue_review. Same input as queue_review without the webhook. Its outcome (block, warn, pass) lands on the pull request's change passport: read it with get_passport or get_merge_policy_outcome.",
  scope: "write:reviews",
  input: queueReviewInput.omit({ webhook: true }),
  output: z.object({ checkpoint: checkpointObject }),
  readOnly: false,
  async run(ctx, input) {
    const checkpoint = checkpointView(ctx, await queueCheckpoint(ctx, input));
    const text = `Queued checkpoint ${checkpoint.checkpointId} for ${checkpoint.repository}#${checkpoint.pullRequestNumber} @ ${checkpoint.headSha.slice(0, 12)}; its outcome lands on change passport ${checkpoint.changePassportId} (get_passport).`;
    return { structured: { checkpoint }, text: [text] };
  },
});

export const getMergePolicyOutcomeTool = defineTool({
  name: "get_merge_policy_outcome",
  title: "Get a pull request's merge policy outcome",
  description:
    "The latest merge-policy evaluation of a pull request (allow, require_approval or block, with reasons), found by review run, by passport, or by repository and pull request number. `stale` is true when the head moved on since.",
  scope: "read:reviews",
  input: documented(
    {
      reviewRunId: z.string().min(1).max(100).optional(),
      passportId: z.string().min(1).max(100).optional(),
      repositoryFullName: queueReviewInput.shape.repositoryFullName.optional(),
      pullRequestNumber: queueReviewInput.shape.pullRequestNumber.optional(),
    },
    {
      reviewRunId: "Find the pull request by one of its review runs",
      passportId: "Or by its change passport",
      repositoryFullName: "Or by repository (owner/repo), together with pullRequestNumber",
      pullRequestNumber: "Pull request number, with repositoryFullName",
    },
  ),
  output: z.object({
    mergePolicy: z.object({
      passportId: z.string(),
      repository: z.string(),
      pullRequestNumber: z.number().int(),
      headSha: z.string(),
      outcome: z.enum(["allow", "require_approval", "block"]),
      reasons: z.array(z.string()),
      reviewRunId: z.string().nullable(),
      checkpointId: z.string().nullable(),
      evaluatedAt: z.string(),
      stale: z.boolean(),
    }),
  }),
  readOnly: true,
  async run(ctx, input) {
    const mergePolicy = await mergePolicyOutcome(ctx, input);
    return { structured: { mergePolicy }, text: [renderPolicy(mergePolicy)] };
  },
});
