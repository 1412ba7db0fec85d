import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../../src/context.ts";
import { authPlugin } from "../../../src/http/auth.ts";
import { exportPassportBundle } from "./export.ts";
import { publicSigningKeys } from "./signing.ts";
import { listPassports, passportWithTimeline } from "./views.ts";

const error = z.object({ error: z.string() });
const outcome = z.enum(["allow", "require_approval", "block"]);
const band = z.enum(["low", "medium", "high", "critical"]);

export const passportObject = z.object({
  passportId: z.string(),
  repository: z.string(),
  pullRequestNumber: z.number().int(),
  title: z.string().nullable(),
  headSha: z.string(),
  verdict: z.enum(["PASS", "WARN", "FAIL"]).nullable(),
  riskBand: band.nullable(),
  riskScore: z.number().nullable(),
  checkpointOutcome: z.enum(["block", "warn", "pass"]).nullable(),
  policyOutcome: outcome.nullable(),
  latestReviewRunId: z.string().nullable(),
  snapshotCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  urls: z.object({ passport: z.string(), export: z.string() }),
});

export const listPassportsQuery = z.object({
  repository: z.string().max(200, "must be at most 200 characters").regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repo").optional(),
  policyOutcome: outcome.optional(),
  riskBand: band.optional(),
  updatedSince: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

const timelineEntry = z.object({ sequence: z.number().int(), kind: z.string(), refId: z.string(), headSha: z.string(), state: z.record(z.string(), z.unknown()), createdAt: z.string() });
export const passportDetail = passportObject.extend({
  timeline: z.array(timelineEntry),
  reviewRuns: z.array(z.object({ reviewRunId: z.string(), headSha: z.string(), status: z.string(), verdict: z.string().nullable(), execution: z.number().int(), completedAt: z.string().nullable() })),
  checkpoints: z.array(z.object({ checkpointId: z.string(), headSha: z.string(), status: z.string(), outcome: z.string().nullable(), completedAt: z.string().nullable() })),
  policyEvaluations: z.array(z.object({ id: z.string(), headSha: z.string(), outcome, reasons: z.array(z.string()), reviewRunId: z.string().nullable(), checkpointId: z.string().nullable(), createdAt: z.string() })),
});
const signingKeys = z.object({
  algorithm: z.literal("Ed25519"),
  currentKeyId: z.string(),
  keys: z.array(z.object({ keyId: z.string(), algorithm: z.literal("Ed25519"), publicKey: z.string(), createdAt: z.string(), retiredAt: z.string().nullable(), current: z.boolean() })),
});

/** Change passports: the governed record per pull request, its timeline, and the signed compliance export. */
export const passportRoutes = (ctx: AppContext) =>
  new Elysia({ name: "passports", prefix: "/api/v1" })
    .use(authPlugin(ctx))
    .get("/passports", async ({ query, principal }) => listPassports({ ...ctx, principal }, query), {
      scopes: ["read:passports"],
      query: listPassportsQuery,
      response: { 200: z.object({ passports: z.array(passportObject), nextCursor: z.string().nullable() }), 401: error, 403: error, 422: error },
      detail: { tags: ["Change control"], summary: "The change passport queue: most recently changed first, filterable, cursor-paginated" },
    })
    .get(
      "/passports/signing-key",
      async () => {
        const keys = await publicSigningKeys(ctx);
        return { algorithm: "Ed25519" as const, currentKeyId: keys.find((k) => k.current)!.keyId, keys };
      },
      {
        scopes: ["read:passports"],
        response: { 200: signingKeys, 401: error, 403: error },
        detail: { tags: ["Change control"], summary: "Public keys that sign passport exports (current and retired, for rotation)" },
      },
    )
    .get("/passports/:id", async ({ params, principal }) => ({ passport: await passportWithTimeline({ ...ctx, principal }, params.id) }), {
      scopes: ["read:passports"],
      params: z.object({ id: z.string().max(100) }),
      response: { 200: z.object({ passport: passportDetail }), 401: error, 403: error, 404: error },
      detail: { tags: ["Change control"], summary: "A passport with its timeline, review runs, checkpoints and policy evaluations" },
    })
    .get(
      "/passports/:id/export",
      async ({ params, principal }) =>
        new Response(await exportPassportBundle({ ...ctx, principal }, params.id), {
          headers: { "content-type": "application/json", "content-disposition": `attachment; filename="passport-${params.id}.json"`, "cache-control": "no-store" },
        }),
      {
        scopes: ["read:passports"],
        params: z.object({ id: z.string().max(100) }),
        detail: {
          tags: ["Change control"],
          summary: "Compliance bundle: passport, snapshots, runs, findings, policy evaluations, signed with Ed25519",
          description: "The body is canonical JSON (sorted keys, no whitespace); verify offline with `critique passport verify FILE --public-key KEY.pem`.",
          responses: { 200: { description: "Signed bundle", content: { "application/json": { schema: { type: "object" } } } } },
        },
      },
    );
