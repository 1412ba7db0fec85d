import type { Finding } from "./finding.ts";

export type Verdict = "PASS" | "WARN" | "FAIL";

export interface Coverage {
  filesReviewed: number;
  filesSkipped: { path: string; reason: string }[];
  /** Files the specialists could not see (token budget), listed in the summary. */
  filesNotReviewed: string[];
  specialists: { name: string; status: "complete" | "incomplete" | "disabled" | "not configured"; reason?: string }[];
}

/**
 * FAIL if any FAIL finding at or above the confidence floor; WARN if any WARNING, a FAIL below the floor, or
 * anything that should have been reviewed was not (fail closed); else PASS.
 */
export function decideVerdict(findings: Finding[], confidenceFloor: number, coverage: Coverage): Verdict {
  if (findings.some((f) => f.severity === "FAIL" && f.confidence >= confidenceFloor)) return "FAIL";
  if (findings.some((f) => f.severity !== "INFO")) return "WARN";
  if (coverage.filesNotReviewed.length > 0 || coverage.specialists.some((s) => s.status === "incomplete")) return "WARN";
  return "PASS";
}
