import { Elysia } from "elysia";
import { z } from "zod";
import pkg from "../../../package.json" with { type: "json" };
import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { authPlugin } from "../../../src/http/auth.ts";
import { getVisibleRun, loadFindings } from "../views.ts";
import { buildSarif, SARIF_CONTENT_TYPE, type SarifFinding } from "./build.ts";

const errorSchema: { type: "object"; properties: Record<string, { type: "string" }>; required: string[] } = { type: "object", properties: { error: { type: "string" } }, required: ["error"] };

/** `GET /api/v1/review-runs/{id}/sarif`: a COMPLETED run as SARIF 2.1.0, for GitHub code scanning and `critique gate --sarif`. */
export const sarifRoutes = (ctx: AppContext) =>
  new Elysia({ name: "merge-gate-sarif", prefix: "/api/v1" }).use(authPlugin(ctx)).get(
    "/review-runs/:id/sarif",
    async ({ params, principal }) => {
      // Someone else's run is a 404, exactly like the snapshot.
      const run = await getVisibleRun({ ...ctx, principal }, params.id);
      if (run.status !== "COMPLETED") throw new AppError("CONFLICT", `Review run ${run.id} is ${run.status}: SARIF is available once it is COMPLETED (poll the run until it is)`);
      const findings = await loadFindings(ctx, run.id);
      const sarif = buildSarif(
        {
          reviewRunId: run.id,
          repository: run.repository,
          pullRequestNumber: run.pullRequestNumber,
          headSha: run.headSha,
          verdict: run.verdict,
          completedAt: run.completedAt ? run.completedAt.toISOString() : null,
          findings: findings.map((f) => ({ ...f, severity: f.severity as SarifFinding["severity"] })),
        },
        { informationUri: ctx.config.publicUrl, toolVersion: pkg.version },
      );
      return new Response(JSON.stringify(sarif), {
        headers: { "content-type": SARIF_CONTENT_TYPE, "cache-control": "no-store", "content-disposition": `attachment; filename="critique-${run.id}.sarif"` },
      });
    },
    {
      scopes: ["read:reviews"],
      params: z.object({ id: z.string().max(100) }),
      detail: {
        tags: ["Merge gate"],
        summary: "A COMPLETED review run as SARIF 2.1.0 (GitHub code scanning upload format); 409 until it is COMPLETED",
        description:
          "One SARIF run: `tool.driver.rules` one per specialist rule, `results` with level (FAIL→error, WARNING→warning, INFO→note), file and line range, `partialFingerprints[\"critique/v1\"]` (the finding fingerprint) and `automationDetails.id` `critique/<reviewRunId>`. Findings without a file have no `locations`.",
        // Documented here rather than as `response` schemas: those would replace the SARIF content type in the document.
        responses: {
          200: { description: "SARIF 2.1.0 log", content: { [SARIF_CONTENT_TYPE]: { schema: { type: "object" } } } },
          404: { description: "No such run, or not one of your installations' runs", content: { "application/json": { schema: errorSchema } } },
          409: { description: "The run is not COMPLETED yet (or ended FAILED/CANCELLED)", content: { "application/json": { schema: errorSchema } } },
        },
      },
    },
  );
