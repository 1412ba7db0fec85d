import parseDiff from "parse-diff";

/** One line of a hunk. `newLine` is the line number in the head version (absent for deletions). */
export interface DiffLine {
  kind: "add" | "del" | "context";
  newLine?: number;
  oldLine?: number;
  text: string;
}

export interface ChangedFile {
  path: string;
  previousPath?: string;
  status: "added" | "removed" | "modified" | "renamed";
  additions: number;
  deletions: number;
  /** GitHub sends no patch for binary files and for very large diffs. */
  patchAvailable: boolean;
  lines: DiffLine[];
}

/** The per-file entry of GitHub's compare and pull-files responses (only the fields we read). */
export interface GitHubDiffEntry {
  filename: string;
  previous_filename?: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string;
}

function normalizeStatus(status: string): ChangedFile["status"] {
  if (status === "added" || status === "removed" || status === "renamed") return status;
  return "modified";
}

/** Parses GitHub's per-file `patch` (hunks without file headers) with parse-diff. */
export function fromGitHubEntry(entry: GitHubDiffEntry): ChangedFile {
  const base = {
    path: entry.filename,
    previousPath: entry.previous_filename,
    status: normalizeStatus(entry.status),
    additions: entry.additions,
    deletions: entry.deletions,
  };
  if (entry.patch === undefined) return { ...base, patchAvailable: false, lines: [] };
  const [file] = parseDiff(`--- a/${entry.previous_filename ?? entry.filename}\n+++ b/${entry.filename}\n${entry.patch}\n`);
  return { ...base, patchAvailable: true, lines: file ? linesOf(file) : [] };
}

/** Parses a whole unified diff (`git diff` output), e.g. for tests and benchmarks. */
export function fromUnifiedDiff(text: string): ChangedFile[] {
  return parseDiff(text).map((file) => {
    const path = file.to && file.to !== "/dev/null" ? file.to : (file.from ?? "unknown");
    const status: ChangedFile["status"] = file.new ? "added" : file.deleted ? "removed" : file.from && file.to && file.from !== file.to ? "renamed" : "modified";
    const binary = file.chunks.length === 0 && (file.additions ?? 0) === 0 && (file.deletions ?? 0) === 0;
    return {
      path,
      previousPath: status === "renamed" ? file.from : undefined,
      status,
      additions: file.additions,
      deletions: file.deletions,
      patchAvailable: !binary,
      lines: linesOf(file),
    };
  });
}

function linesOf(file: parseDiff.File): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const chunk of file.chunks) {
    for (const change of chunk.changes) {
      const text = change.content.slice(1);
      if (change.type === "add") lines.push({ kind: "add", newLine: change.ln, text });
      else if (change.type === "del") lines.push({ kind: "del", oldLine: change.ln, text });
      else lines.push({ kind: "context", oldLine: change.ln1, newLine: change.ln2, text });
    }
  }
  return lines;
}

/** Lines added by the change, with their head line numbers. */
export function addedLines(file: ChangedFile): { line: number; text: string }[] {
  return file.lines.filter((l) => l.kind === "add").map((l) => ({ line: l.newLine!, text: l.text }));
}

/** Head line numbers visible in the diff (added or context): where a finding may be anchored. */
export function visibleHeadLines(file: ChangedFile): Set<number> {
  const set = new Set<number>();
  for (const l of file.lines) if (l.newLine !== undefined) set.add(l.newLine);
  return set;
}
