import { inArray } from "drizzle-orm";
import type { ServiceContext } from "../../../src/context.ts";
import { canonicalJson } from "./canonical.ts";
import { currentSigningKey, signWithCurrentKey } from "./signing.ts";
import { signedBytes } from "./verify.ts";
import { getVisiblePassport, passportRecord, passportView } from "./views.ts";

export const BUNDLE_FORMAT = "critique.passport-bundle/v1";

/**
 * The compliance bundle: passport, snapshots, review runs with their findings and earlier executions, checkpoints,
 * policy evaluations; signed with the instance's Ed25519 key. Returned as the exact canonical bytes that were
 * signed (see canonical.ts and verify.ts).
 */
export async function exportPassportBundle(ctx: ServiceContext, id: string): Promise<string> {
  const passport = await getVisiblePassport(ctx, id);
  const { snapshots, runs, checkpoints, evaluations } = await passportRecord(ctx, passport);
  const runIds = runs.map((r) => r.id);
  const { reviewFindings: f, reviewRunHistory: h } = ctx.tables;
  const findings = runIds.length ? await ctx.db.select().from(f).where(inArray(f.runId, runIds)) : [];
  const history = runIds.length ? await ctx.db.select().from(h).where(inArray(h.runId, runIds)) : [];
  const content = {
    format: BUNDLE_FORMAT,
    exportedAt: new Date().toISOString(),
    instance: ctx.config.publicUrl,
    passport: passportView(ctx, passport),
    snapshots,
    reviewRuns: runs.map(({ webhook: _secret, userId: _user, ...run }) => ({
      ...run,
      // Code snippets are for the dashboard; the bundle keeps its documented finding fields.
      findings: findings.filter((x) => x.runId === run.id).map(({ snippet: _code, ...finding }) => finding),
      earlierExecutions: history.filter((x) => x.runId === run.id).map((x) => ({ ...x, findings: (x.findings as { snippet?: unknown }[]).map(({ snippet: _code, ...finding }) => finding) })),
    })),
    checkpoints: checkpoints.map(({ userId: _user, ...c }) => c),
    policyEvaluations: evaluations,
  };
  // Round-trip through JSON first so Dates and the like are in their final, parsed form before signing.
  const normalized = JSON.parse(JSON.stringify(content));
  const key = await currentSigningKey(ctx);
  const unsigned = { ...normalized, signature: { algorithm: "Ed25519", keyId: key.keyId, publicKey: key.publicKey } };
  const value = await signWithCurrentKey(ctx, signedBytes(unsigned));
  return canonicalJson({ ...unsigned, signature: { ...unsigned.signature, value } });
}
