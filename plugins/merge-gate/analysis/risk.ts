import type { ChangeFacts } from "./facts.ts";
import type { Finding } from "./finding.ts";

export type RiskBand = "low" | "medium" | "high" | "critical";

export interface Risk {
  score: number;
  band: RiskBand;
  /** Each contribution with its reason, so the summary can explain the score. */
  factors: { points: number; reason: string }[];
}

/** An explainable additive score, capped at 100. Bands: <25 low, <50 medium, <75 high, else critical. */
export function assessRisk(facts: ChangeFacts, findings: Finding[]): Risk {
  const factors: Risk["factors"] = [];
  const add = (points: number, reason: string) => points > 0 && factors.push({ points, reason });
  const lines = facts.additions + facts.deletions;
  add(lines > 2_000 ? 20 : lines > 500 ? 12 : lines > 100 ? 5 : 0, `${lines} lines changed`);
  add(facts.filesChanged > 50 ? 8 : facts.filesChanged > 15 ? 4 : 0, `${facts.filesChanged} files changed`);
  add(facts.sensitive.auth.length ? 15 : 0, `authentication/authorization code touched (${facts.sensitive.auth.length} files)`);
  add(facts.sensitive.ci.length ? 12 : 0, "CI workflow changed");
  add(facts.sensitive.migrations.length ? 10 : 0, "database migration changed");
  add(facts.sensitive.infra.length ? 6 : 0, "infrastructure definition changed");
  add(facts.manifestsChanged.length ? 5 : 0, "dependency manifest changed");
  add(facts.manifestWithoutLock.length || facts.lockWithoutManifest.length ? 5 : 0, "manifest and lock file out of step");
  add(facts.sourceChangedWithoutTests ? 8 : 0, "source changed without tests");
  const fails = findings.filter((f) => f.severity === "FAIL").length;
  const warnings = findings.filter((f) => f.severity === "WARNING").length;
  add(Math.min(40, fails * 25), `${fails} blocking finding${fails === 1 ? "" : "s"}`);
  add(Math.min(15, warnings * 4), `${warnings} warning${warnings === 1 ? "" : "s"}`);
  const score = Math.min(100, factors.reduce((sum, f) => sum + f.points, 0));
  const band: RiskBand = score >= 75 ? "critical" : score >= 50 ? "high" : score >= 25 ? "medium" : "low";
  return { score, band, factors };
}

export function explainRisk(risk: Risk): string {
  if (risk.factors.length === 0) return `Risk ${risk.band} (${risk.score}/100): small, routine change.`;
  const top = [...risk.factors].sort((a, b) => b.points - a.points).map((f) => `${f.reason} +${f.points}`);
  return `Risk ${risk.band} (${risk.score}/100): ${top.join("; ")}.`;
}
