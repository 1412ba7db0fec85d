import type { RemedyTarget } from "../../../db/remedy.ts";
import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { loadFindings } from "../views.ts";
import type { QueueRemedyInput } from "./model.ts";

const DEFAULT_SEVERITIES = ["FAIL", "WARNING"];

/**
 * The findings of a review run a remedy fixes: the ones named (ids or fingerprints, each of which must belong to
 * this run), else every finding of the chosen severities. Nothing to fix is a 422 that says what was looked for.
 */
export async function chooseTargets(ctx: AppContext, reviewRunId: string, input: QueueRemedyInput): Promise<RemedyTarget[]> {
  const findings = await loadFindings(ctx, reviewRunId);
  const severities = input.severities ?? DEFAULT_SEVERITIES;
  const byId = new Map(findings.map((f) => [f.id, f]));
  const fingerprints = new Set(findings.map((f) => f.fingerprint));
  const unknownId = input.findingIds?.find((id) => !byId.has(id));
  if (unknownId) throw new AppError("VALIDATION", `findingIds: ${unknownId} is not a finding of review run ${reviewRunId}`);
  const unknownPrint = input.fingerprints?.find((p) => !fingerprints.has(p));
  if (unknownPrint) throw new AppError("VALIDATION", `fingerprints: ${unknownPrint} is not reported by review run ${reviewRunId}`);

  const named = input.findingIds || input.fingerprints;
  const chosen = findings.filter((f) => {
    if (named) return Boolean(input.findingIds?.includes(f.id) || input.fingerprints?.includes(f.fingerprint)) && (!input.severities || severities.includes(f.severity));
    return severities.includes(f.severity);
  });
  if (chosen.length === 0) {
    const what = named ? "the findings named" : `findings of severity ${severities.join(" or ")}`;
    throw new AppError("VALIDATION", `Nothing to remedy: review run ${reviewRunId} has no ${what}`);
  }
  return chosen.map((f) => ({
    id: f.id,
    fingerprint: f.fingerprint,
    specialist: f.specialist,
    severity: f.severity,
    title: f.title,
    summary: f.summary,
    filePath: f.filePath,
    startLine: f.startLine,
    endLine: f.endLine,
  }));
}
