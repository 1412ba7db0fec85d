import type { SeedFile } from "./github-shapes-pulls.ts";

/**
 * Unified diffs between two versions of a repository's files, in the form GitHub puts in `patch` (hunks only, three
 * lines of context, `\ No newline at end of file` markers), so pulls and commits built from the object store carry
 * patches the product can parse and comment on.
 */
type Files = Map<string, { bytes: Buffer }>;
type Op = { kind: " " | "-" | "+"; line: string; noEol: boolean; old: number; new: number };

const NO_EOL = "\\ No newline at end of file";
const isBinary = (bytes: Buffer) => bytes.includes(0);

function splitLines(text: string): { line: string; noEol: boolean }[] {
  if (!text) return [];
  const lines = text.split("\n");
  const complete = lines.at(-1) === "";
  if (complete) lines.pop();
  return lines.map((line, i) => ({ line, noEol: !complete && i === lines.length - 1 }));
}

/** A longest-common-subsequence edit script (test files are small, so the quadratic table is fine). */
function editScript(a: ReturnType<typeof splitLines>, b: ReturnType<typeof splitLines>): Op[] {
  const same = (i: number, j: number) => a[i].line === b[j].line && a[i].noEol === b[j].noEol;
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = same(i, j) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && same(i, j)) ops.push({ kind: " ", ...a[i], old: i++, new: j++ });
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ kind: "-", ...a[i], old: i++, new: j });
    else ops.push({ kind: "+", ...b[j], old: i, new: j++ });
  }
  // git writes each block of changes as all its removed lines, then all its added ones.
  for (let start = 0; start < ops.length; start++) {
    if (ops[start].kind === " ") continue;
    let end = start;
    while (end < ops.length && ops[end].kind !== " ") end++;
    const block = ops.slice(start, end);
    ops.splice(start, block.length, ...block.filter((op) => op.kind === "-"), ...block.filter((op) => op.kind === "+"));
    start = end;
  }
  return ops;
}

const range = (start: number, count: number) => (count === 1 ? `${start + 1}` : `${count ? start + 1 : start},${count}`);

/** git's default hunk-header context: the nearest earlier line starting with a letter, `_` or `$` (80 bytes at most). */
function funcname(lines: ReturnType<typeof splitLines>, before: number): string {
  for (let i = before - 1; i >= 0; i--) if (/^[A-Za-z_$]/.test(lines[i].line)) return ` ${lines[i].line.slice(0, 80).trimEnd()}`;
  return "";
}

export function unifiedPatch(before: string, after: string, context = 3): string {
  const old = splitLines(before);
  const ops = editScript(old, splitLines(after));
  const changed = ops.flatMap((op, i) => (op.kind === " " ? [] : [i]));
  const hunks: string[] = [];
  let k = 0;
  while (k < changed.length) {
    const from = Math.max(0, changed[k] - context);
    let to = changed[k];
    while (k + 1 < changed.length && changed[k + 1] - to - 1 <= 2 * context) to = changed[++k];
    k++;
    const slice = ops.slice(from, Math.min(ops.length, to + context + 1));
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    const lines = slice.flatMap((op) => (op.noEol ? [`${op.kind}${op.line}`, NO_EOL] : [`${op.kind}${op.line}`]));
    hunks.push([`@@ -${range(slice[0].old, oldCount)} +${range(slice[0].new, newCount)} @@${funcname(old, slice[0].old)}`, ...lines].join("\n"));
  }
  return hunks.join("\n");
}

/** The changed files between two trees as GitHub lists them: added, removed or modified, with patches for text. */
export function changedFiles(before: Files, after: Files): SeedFile[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const files: SeedFile[] = [];
  for (const filename of paths) {
    const a = before.get(filename)?.bytes;
    const b = after.get(filename)?.bytes;
    if (a && b && a.equals(b)) continue;
    const status = !a ? "added" : !b ? "removed" : "modified";
    const binary = (a && isBinary(a)) || (b && isBinary(b));
    if (binary) files.push({ filename, status, additions: 0, deletions: 0 });
    else files.push({ filename, status, patch: unifiedPatch(a?.toString() ?? "", b?.toString() ?? "") });
  }
  return files;
}
