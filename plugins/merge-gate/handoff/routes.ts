import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../../src/context.ts";
import { authPlugin } from "../../../src/http/auth.ts";
import { handoffObject, handoffQuery } from "./model.ts";
import { buildHandoff } from "./service.ts";

const error = z.object({ error: z.string() });
const params = z.object({ id: z.string().max(100) });
const response = { 200: z.object({ handoff: handoffObject }), 401: error, 403: error, 404: error, 409: error, 422: error };
const security = [{ bearer: [] }];

/** BYOA handoff: a finished review's findings as a prompt for the team's own fix agent. The service does the work. */
export const handoffRoutes = (ctx: AppContext) =>
  new Elysia({ name: "merge-gate-handoff" })
    .use(authPlugin(ctx))
    .get(
      "/api/v1/review-runs/:id/handoff",
      async ({ params, query, principal }) => ({ handoff: await buildHandoff({ ...ctx, principal }, { reviewRunId: params.id, agent: query.agent }) }),
      {
        scopes: ["read:reviews"],
        params,
        query: handoffQuery,
        response,
        detail: {
          tags: ["Merge gate"],
          summary: "Hand a finished review to your own fix agent (Cursor, Codex, Claude Code or any): all findings, a ready-to-paste prompt, the re-queue request",
          description: "Only for a COMPLETED run (409 otherwise). Finding text comes from the pull request and from models: the prompt fences it as data.",
          security,
        },
      },
    )
    // The path the product docs name ("After FAIL: fix paths"); the same answer as `?agent=cursor`, same key auth.
    .get("/api/review-runs/:id/byoa/cursor", async ({ params, principal }) => ({ handoff: await buildHandoff({ ...ctx, principal }, { reviewRunId: params.id, agent: "cursor" }) }), {
      scopes: ["read:reviews"],
      params,
      response,
      detail: { tags: ["Merge gate"], summary: "BYOA handoff for Cursor: the same as GET /api/v1/review-runs/{id}/handoff?agent=cursor", security },
    });
