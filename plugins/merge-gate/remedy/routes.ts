import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../../src/context.ts";
import { agentRunPatch } from "../../coding-agent/api.ts";
import { AppError } from "../../../src/errors.ts";
import { authPlugin } from "../../../src/http/auth.ts";
import { queueRemedyBody, remedyRunObject } from "./model.ts";
import { queueRemedy } from "./queue.ts";
import { cancelRemedy } from "./settle.ts";
import { getVisibleRemedy, remedyView } from "./views.ts";

const error = z.object({ error: z.string() });
const security = [{ bearer: [] }];
const params = z.object({ id: z.string().max(100) });
const tags = ["Merge gate"];

/** REST for remedy runs: queue one from a review run, poll it, download its patch, cancel it. */
export const remedyRoutes = (ctx: AppContext) =>
  new Elysia({ name: "remedy", prefix: "/api/v1" })
    .use(authPlugin(ctx))
    .post(
      "/review-runs/:id/remedy",
      async ({ params, body, principal, set }) => {
        const { remedy } = await queueRemedy({ ...ctx, principal }, params.id, body ?? {});
        set.status = 202;
        return { remedyRun: remedyView(ctx, remedy) };
      },
      {
        scopes: ["write:reviews"],
        params,
        body: queueRemedyBody.optional(),
        response: { 202: z.object({ remedyRun: remedyRunObject }), 401: error, 402: error, 403: error, 404: error, 409: error, 422: error, 503: error },
        detail: {
          tags,
          summary: "Queue a remedy: a bounded fix run for a completed review's findings, pushed to the PR's head branch and re-reviewed",
          description: "One active remedy per pull request: asking again while one is QUEUED or IN_PROGRESS returns it.",
          security,
        },
      },
    )
    .get("/remedy-runs/:id", async ({ params, principal }) => ({ remedyRun: remedyView(ctx, await getVisibleRemedy({ ...ctx, principal }, params.id)) }), {
      scopes: ["read:reviews"],
      params,
      response: { 200: z.object({ remedyRun: remedyRunObject }), 401: error, 403: error, 404: error, 422: error },
      detail: { tags, summary: "Poll a remedy run: status, stage, fix commit, re-review, outcome", security },
    })
    .get(
      "/remedy-runs/:id/patch",
      async ({ params, principal }) => {
        const remedy = await getVisibleRemedy({ ...ctx, principal }, params.id);
        const patch = remedy.codingAgentRunId ? await agentRunPatch(ctx, remedy.codingAgentRunId) : null;
        if (patch === null) throw new AppError("NOT_FOUND", `Remedy run ${remedy.id} has no patch yet (its fix run has not finished a turn)`);
        return new Response(patch, { headers: { "content-type": "text/x-diff; charset=utf-8", "cache-control": "no-store", "content-disposition": `attachment; filename="${remedy.id}.diff"` } });
      },
      {
        scopes: ["read:reviews"],
        params,
        response: { 401: error, 403: error, 404: error, 422: error },
        detail: { tags, summary: "The fix as a unified diff against the reviewed SHA (git apply ready; 404 until the fix run's first turn ends)", security },
      },
    )
    .post("/remedy-runs/:id/cancel", async ({ params, principal }) => {
      const scoped = { ...ctx, principal };
      return { remedyRun: remedyView(ctx, await cancelRemedy(scoped, await getVisibleRemedy(scoped, params.id))) };
    }, {
      scopes: ["write:reviews"],
      params,
      response: { 200: z.object({ remedyRun: remedyRunObject }), 401: error, 403: error, 404: error, 409: error, 422: error },
      detail: { tags, summary: "Cancel an active remedy (its fix run stops; a commit already pushed stays)", security },
    });
