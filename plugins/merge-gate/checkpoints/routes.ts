import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../../src/context.ts";
import { authPlugin } from "../../../src/http/auth.ts";
import { queueReviewBody } from "../model.ts";
import { checkpointView, getVisibleCheckpoint, queueCheckpoint } from "./service.ts";

const error = z.object({ error: z.string() });
const firedRule = z.object({
  rule: z.string(),
  level: z.enum(["block", "warn"]),
  message: z.string(),
  evidence: z.array(z.object({ file: z.string(), line: z.number().int().nullable() })),
});
export const checkpointObject = z.object({
  checkpointId: z.string(),
  status: z.enum(["QUEUED", "COMPLETED", "FAILED"]),
  outcome: z.enum(["block", "warn", "pass"]).nullable(),
  rules: z.array(firedRule),
  repository: z.string(),
  pullRequestNumber: z.number().int(),
  headSha: z.string(),
  changePassportId: z.string().nullable(),
  trigger: z.enum(["api", "github"]),
  failureReason: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  urls: z.object({ checkpoint: z.string(), passport: z.string().nullable() }),
});

/** Checkpoint: the cheap deterministic gate, on demand. */
export const checkpointRoutes = (ctx: AppContext) =>
  new Elysia({ name: "checkpoints", prefix: "/api/v1" })
    .use(authPlugin(ctx))
    .post(
      "/checkpoints",
      async ({ body, principal, set }) => {
        const row = await queueCheckpoint({ ...ctx, principal }, body);
        set.status = 202;
        return { checkpoint: checkpointView(ctx, row) };
      },
      {
        scopes: ["write:reviews"],
        body: queueReviewBody.omit({ webhook: true }),
        response: { 202: z.object({ checkpoint: checkpointObject }), 401: error, 403: error, 404: error, 422: error },
        detail: { tags: ["Change control"], summary: "Run the checkpoint (deterministic rules, no model) on a pull request's head" },
      },
    )
    .get("/checkpoints/:id", async ({ params, principal }) => ({ checkpoint: checkpointView(ctx, await getVisibleCheckpoint({ ...ctx, principal }, params.id)) }), {
      scopes: ["read:reviews"],
      params: z.object({ id: z.string().max(100) }),
      response: { 200: z.object({ checkpoint: checkpointObject }), 401: error, 403: error, 404: error },
      detail: { tags: ["Change control"], summary: "A checkpoint's outcome with the rules that fired and their evidence" },
    });
