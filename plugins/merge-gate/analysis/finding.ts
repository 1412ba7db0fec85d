import type { Severity, Specialist } from "./repo-config.ts";

/** A finding as the pipeline produces it, before it is stored (the stored one gains an `id`). */
export interface Finding {
  specialist: Specialist;
  severity: Severity;
  confidence: number;
  title: string;
  summary: string;
  filePath: string | null;
  startLine: number | null;
  endLine: number | null;
  fingerprint: string;
  /** A short stable rule name (e.g. `secret:github`, or the model's own rule id): part of the fingerprint. */
  rule: string;
  /** Code the finding quotes from the head, when it quotes any. */
  quote?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { FAIL: 0, WARNING: 1, INFO: 2 };

/** FAIL, WARNING, INFO; then confidence, highest first; then path and line for a stable order. */
export function compareFindings(a: Pick<Finding, "severity" | "confidence" | "filePath" | "startLine">, b: typeof a): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.confidence - a.confidence ||
    (a.filePath ?? "").localeCompare(b.filePath ?? "") ||
    (a.startLine ?? 0) - (b.startLine ?? 0)
  );
}

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[threshold];
}

const PREFIX: Record<Specialist, string> = { SECURITY: "sec", TESTS: "tst", ARCHITECTURE: "arc", PERFORMANCE: "prf", CODE_QUALITY: "cq" };

/** Whitespace and line numbers do not matter: a finding keeps its fingerprint across rebases and shifted lines. */
export function normalizeCode(code: string): string {
  return code.replace(/\s+/g, " ").trim();
}

/** Stable id built from content, not position: specialist + rule + path + normalized code. */
export function fingerprintOf(specialist: Specialist, rule: string, path: string | null, code: string): string {
  const digest = new Bun.CryptoHasher("sha256").update(`${specialist}\n${rule.toLowerCase()}\n${path ?? ""}\n${normalizeCode(code)}`).digest("hex");
  return `${PREFIX[specialist]}:${digest.slice(0, 16)}`;
}
