import type { AppContext } from "../../../src/context.ts";
import { changeFacts } from "../analysis/facts.ts";
import type { Finding } from "../analysis/finding.ts";
import { diffContains, postprocess } from "../analysis/postprocess.ts";
import { parseRepoConfig } from "../analysis/repo-config.ts";
import { assessRisk } from "../analysis/risk.ts";
import { scanAddedLinesForSecrets } from "../analysis/secrets.ts";
import { selectFiles } from "../analysis/select.ts";
import { type Coverage, decideVerdict } from "../analysis/verdict.ts";
import type { FetchedChange } from "./fetch-change.ts";
import { runSpecialists } from "./specialists.ts";
import type { ReviewOutcome } from "./summary.ts";

export interface AnalyzeInput {
  change: FetchedChange;
  /** Fingerprints and titles of the previous run of the same pull request, for new/persisting/resolved. */
  previous: { fingerprint: string; title: string; filePath: string | null }[];
  /** Reads a file at the head commit (for verifying quotes outside the diff's visible lines). */
  readHead(path: string): Promise<string | undefined>;
  signal: AbortSignal;
}

export interface Analysis {
  outcome: ReviewOutcome;
  usage: { promptTokens: number; completionTokens: number };
  model: string | null;
}

/** Everything between "change fetched" and "results written": deterministic analyzers, specialists, judgement. */
export async function analyzeChange(ctx: AppContext, input: AnalyzeInput): Promise<Analysis> {
  const { config: repoConfig, problem } = parseRepoConfig(input.change.repoConfigText);
  const selection = selectFiles(input.change.files, repoConfig);
  const facts = changeFacts(input.change.files);
  // Secrets are looked for in every added line, reviewed or skipped: a credential in a lock file still leaks.
  const secrets = await scanAddedLinesForSecrets(input.change.files);
  const specialists = await runSpecialists(ctx, { files: selection.reviewed, facts, repoConfig, title: input.change.title, signal: input.signal });

  const inDiff = diffContains(input.change.files);
  const findings = await postprocess([...secrets, ...specialists.findings], {
    files: input.change.files,
    severityThreshold: repoConfig.severityThreshold,
    headContains: async (path, code) => inDiff(path, code) || Boolean((await input.readHead(path))?.replace(/\s+/g, " ").includes(code.replace(/\s+/g, " ").trim())),
  });

  const coverage: Coverage = {
    filesReviewed: selection.reviewed.length - specialists.notReviewed.length,
    filesSkipped: selection.skipped,
    filesNotReviewed: specialists.notReviewed,
    specialists: specialists.specialists,
  };
  const previous = new Set(input.previous.map((p) => p.fingerprint));
  const current = new Set(findings.map((f) => f.fingerprint));
  const withNovelty = findings.map((f: Finding) => ({ ...f, novelty: previous.has(f.fingerprint) ? ("persisting" as const) : ("new" as const) }));
  const resolved = input.previous.filter((p) => !current.has(p.fingerprint)).map(({ title, filePath }) => ({ title, filePath }));
  const notes = problem ? [problem] : [];
  if (!specialists.model) notes.push("Model specialists did not run (no review model configured): deterministic checks only.");
  return {
    outcome: {
      verdict: decideVerdict(findings, ctx.config.file.review.confidenceFloor, coverage),
      risk: assessRisk(facts, findings),
      findings: withNovelty,
      resolved,
      coverage,
      notes,
    },
    usage: specialists.usage,
    model: specialists.model,
  };
}
