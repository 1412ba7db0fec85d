import type { PolicySettings } from "./config.ts";

export type PolicyOutcome = "allow" | "require_approval" | "block";

export interface PolicyFacts {
  headSha: string;
  /** The latest completed review of the head commit, if any. */
  review?: {
    verdict: string;
    riskBand: string;
    findings: { severity: string; confidence: number }[];
    specialists: { name: string; status: string }[];
  };
  /** The latest checkpoint of the head commit, if any. */
  checkpoint?: { outcome: string };
}

/** Pure: the outcome and every reason that contributed, strongest first. */
export function evaluatePolicy(facts: PolicyFacts, policy: PolicySettings): { outcome: PolicyOutcome; reasons: string[] } {
  const block: string[] = [];
  const approve: string[] = [];
  const sha = facts.headSha.slice(0, 12);
  if (policy.requirePassingCheckpoint && facts.checkpoint?.outcome === "block") block.push(`checkpoint blocked ${sha}`);
  const review = facts.review;
  if (!review) {
    if (policy.requireReview) block.push(`no completed review of ${sha}`);
  } else {
    if (policy.blockOnFail) {
      const floor = policy.blockOnFail.minConfidence;
      const fails = review.findings.filter((f) => f.severity === "FAIL" && f.confidence >= floor).length;
      if (fails) block.push(`${fails} FAIL finding${fails === 1 ? "" : "s"} at confidence ≥ ${floor}`);
    }
    const missing = policy.requiredSpecialists.filter((name) => review.specialists.find((s) => s.name === name)?.status !== "complete");
    if (missing.length) block.push(`required specialist${missing.length === 1 ? "" : "s"} did not complete: ${missing.join(", ")}`);
    if (policy.requireApprovalForRisk.includes(review.riskBand as never)) approve.push(`risk ${review.riskBand} needs a human approval`);
    const warnings = review.findings.filter((f) => f.severity === "WARNING").length;
    if (policy.maxWarnings !== null && warnings > policy.maxWarnings) approve.push(`${warnings} warnings (more than ${policy.maxWarnings})`);
  }
  const outcome: PolicyOutcome = block.length ? "block" : approve.length ? "require_approval" : "allow";
  return { outcome, reasons: [...block, ...approve] };
}
