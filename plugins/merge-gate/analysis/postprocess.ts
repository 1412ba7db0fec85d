import { type ChangedFile, visibleHeadLines } from "./diff.ts";
import { compareFindings, type Finding, fingerprintOf, normalizeCode, severityAtLeast } from "./finding.ts";
import type { Severity } from "./repo-config.ts";

/** A finding as a specialist proposes it: location and fingerprint are not trusted yet. */
export type ProposedFinding = Omit<Finding, "fingerprint"> & { fingerprint?: string };

export interface PostprocessOptions {
  files: ChangedFile[];
  severityThreshold: Severity;
  /** Whether the head version of `path` contains `code` (whitespace-insensitive). Used for FAIL quotes. */
  headContains(path: string, code: string): Promise<boolean>;
}

/**
 * Makes proposed findings trustworthy: anchored to the change, quotes verified, fingerprinted from content,
 * duplicates merged, sorted. Rules (tested):
 * - a file that is not part of the change loses its location (the finding stays, unanchored);
 * - lines outside the diff's visible head lines lose their line range (the file stays);
 * - a FAIL that quotes code not present in the head is downgraded to WARNING (a model may invent code);
 * - findings below the repository's severity threshold are dropped.
 */
export async function postprocess(proposed: ProposedFinding[], options: PostprocessOptions): Promise<Finding[]> {
  const byPath = new Map(options.files.map((f) => [f.path, f]));
  const merged = new Map<string, Finding>();
  for (const raw of proposed) {
    const finding: ProposedFinding = { ...raw, confidence: Math.min(1, Math.max(0, raw.confidence)) };
    anchor(finding, byPath);
    if (finding.severity === "FAIL" && finding.quote && finding.filePath && !(await options.headContains(finding.filePath, finding.quote))) {
      finding.severity = "WARNING";
      finding.confidence = Math.round(finding.confidence * 50) / 100;
      finding.summary = `${finding.summary} (Downgraded from FAIL: the quoted code is not in the head commit.)`;
    }
    if (!severityAtLeast(finding.severity, options.severityThreshold)) continue;
    const code = finding.quote ?? anchoredCode(finding, byPath) ?? finding.title;
    const fingerprint = finding.fingerprint ?? fingerprintOf(finding.specialist, finding.rule, finding.filePath, code);
    const existing = merged.get(fingerprint);
    if (!existing || compareFindings(finding as Finding, existing) < 0) merged.set(fingerprint, { ...finding, fingerprint } as Finding);
  }
  return [...merged.values()].sort(compareFindings);
}

function anchor(finding: ProposedFinding, byPath: Map<string, ChangedFile>) {
  const file = finding.filePath ? byPath.get(finding.filePath) : undefined;
  if (!file) {
    finding.filePath = null;
    finding.startLine = finding.endLine = null;
    return;
  }
  if (finding.startLine === null) {
    finding.endLine = null;
    return;
  }
  const end = finding.endLine !== null && finding.endLine >= finding.startLine ? finding.endLine : finding.startLine;
  const visible = visibleHeadLines(file);
  let inside = false;
  for (let line = finding.startLine; line <= end && !inside; line++) inside = visible.has(line);
  if (!inside) finding.startLine = finding.endLine = null;
  else finding.endLine = end;
}

function anchoredCode(finding: ProposedFinding, byPath: Map<string, ChangedFile>): string | undefined {
  if (!finding.filePath || finding.startLine === null) return undefined;
  const file = byPath.get(finding.filePath)!;
  const text = file.lines
    .filter((l) => l.newLine !== undefined && l.newLine >= finding.startLine! && l.newLine <= (finding.endLine ?? finding.startLine!))
    .map((l) => l.text)
    .join("\n");
  return text.trim() ? text : undefined;
}

/** The default `headContains`: looks in the lines the diff shows of the head version. */
export function diffContains(files: ChangedFile[]) {
  const texts = new Map(files.map((f) => [f.path, normalizeCode(f.lines.filter((l) => l.kind !== "del").map((l) => l.text).join("\n"))]));
  return (path: string, code: string) => texts.get(path)?.includes(normalizeCode(code)) ?? false;
}
