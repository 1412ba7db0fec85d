import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../src/context.ts";
import { authPlugin } from "../../src/http/auth.ts";
import { listRunsQuery, listRunsResponse, queueReviewBody, reviewObject, reviewRunObject, reviewRunQuery } from "./model.ts";
import { queueReview } from "./runs.ts";
import { listReviewRuns, reviewRunView } from "./views.ts";

const error = z.object({ error: z.string() });
const security = [{ bearer: [] }];

/** REST for the merge gate: queue a review, poll a run, list runs. Services do the work; this maps HTTP. */
export const mergeGateRoutes = (ctx: AppContext) =>
  new Elysia({ name: "merge-gate", prefix: "/api/v1" })
    .use(authPlugin(ctx))
    .post(
      "/reviews",
      async ({ body, principal, set }) => {
        const { run } = await queueReview({ ...ctx, principal }, body);
        set.status = 202;
        return { review: { reviewRunId: run.id, status: run.status as "QUEUED", repository: run.repository, pullRequestNumber: run.pullRequestNumber, headSha: run.headSha } };
      },
      {
        scopes: ["write:reviews"],
        body: queueReviewBody,
        response: { 202: z.object({ review: reviewObject }), 401: error, 402: error, 403: error, 404: error, 422: error },
        detail: { tags: ["Merge gate"], summary: "Queue a PR review", description: "Deduplicated on (repository, pullRequestNumber, headSha) within the repository's current installation: a queued or running run is returned; a finished one is re-run under the same id.", security },
      },
    )
    .get(
      "/review-runs/:id",
      async ({ params, query, principal }) => ({ reviewRun: await reviewRunView({ ...ctx, principal }, params.id, { allFindings: query.findings === "all" }) }),
      {
        scopes: ["read:reviews"],
        params: z.object({ id: z.string().max(100) }),
        query: reviewRunQuery,
        response: { 200: z.object({ reviewRun: reviewRunObject }), 401: error, 403: error, 404: error, 422: error },
        detail: { tags: ["Merge gate"], summary: "Poll a review run: status, verdict, findings (5 by default, ?findings=all for all)", security },
      },
    )
    .get("/review-runs", async ({ query, principal }) => listReviewRuns({ ...ctx, principal }, query), {
      scopes: ["read:reviews"],
      query: listRunsQuery,
      response: { 200: listRunsResponse, 401: error, 403: error, 422: error },
      detail: { tags: ["Merge gate"], summary: "Recent review runs, newest first (cursor-paginated)", security },
    });
