import type { ChangedFile } from "../analysis/diff.ts";
import type { Finding } from "../analysis/finding.ts";
import { findSecrets, scanAddedLinesForSecrets } from "../analysis/secrets.ts";

/** How much of the head a stored snippet may hold. */
export const SNIPPET_LIMITS = { lines: 12, lineChars: 300, totalChars: 2000 } as const;

type Located = Pick<Finding, "filePath" | "startLine" | "endLine" | "rule">;

/**
 * The head lines `startLine`..`endLine` of `file` as its diff shows them (added and context lines), at most
 * `SNIPPET_LIMITS.lines`, untruncated. Contiguous from `startLine`: a start line the diff does not show gives
 * nothing, and the lines stop at the first one the diff does not show (lines outside the diff are never fetched).
 */
export function headLines(file: ChangedFile | undefined, startLine: number | null, endLine: number | null): string[] {
  if (!file || startLine === null) return [];
  const end = Math.min(endLine !== null && endLine >= startLine ? endLine : startLine, startLine + SNIPPET_LIMITS.lines - 1);
  const byLine = new Map<number, string>();
  // First entry per line wins: parse-diff repeats the previous line's number for a "\ No newline at end of file" marker.
  for (const l of file.lines) if (l.newLine !== undefined && l.newLine >= startLine && l.newLine <= end && !byLine.has(l.newLine)) byLine.set(l.newLine, l.text.replace(/\r$/, ""));
  const out: string[] = [];
  for (let n = startLine; n <= end && byLine.has(n); n++) out.push(byLine.get(n)!);
  return out;
}

/** Cuts a line to `max` UTF-16 units, ending in "…", never between the halves of a surrogate pair. */
function clip(line: string, max: number): string {
  if (line.length <= max) return line;
  let cut = max - 1;
  const last = line.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${line.slice(0, cut)}…`;
}

/** Applies the limits: at most 12 lines of at most 300 characters, 2,000 in all (a line that does not fit ends it). Blank → null. */
export function boundSnippet(lines: string[]): string | null {
  const out: string[] = [];
  let total = 0;
  for (const raw of lines.slice(0, SNIPPET_LIMITS.lines)) {
    const line = clip(raw, SNIPPET_LIMITS.lineChars);
    const size = (out.length ? 1 : 0) + line.length;
    if (total + size > SNIPPET_LIMITS.totalChars) break;
    out.push(line);
    total += size;
  }
  const text = out.join("\n");
  return text.trim() ? text : null;
}

const stars = (s: string) => s.replace(/[^\n]/g, "*");

/**
 * Masks what the secret scan finds in `text` the way a secret finding's summary is masked: the secret's characters
 * become asterisks of the same length (its range, and every other occurrence of it). Returns, per 1-based line, the
 * kinds (`secret:<kind>`) masked there; null when the masked text still trips the scan.
 */
function maskSecrets(text: string, path: string | null): { text: string; masked: Map<number, Set<string>> } | null {
  const found = findSecrets(text, path ?? undefined);
  const masked = new Map<number, Set<string>>();
  if (found.length === 0) return { text, masked };
  const chars = text.split("");
  for (const secret of found) {
    for (let i = Math.max(0, secret.index); i < Math.min(chars.length, secret.endIndex); i++) if (chars[i] !== "\n") chars[i] = "*";
    for (let line = secret.startLine; line <= secret.lastLine; line++) {
      if (!masked.has(line)) masked.set(line, new Set());
      masked.get(line)!.add(secret.rule.family);
    }
  }
  let out = chars.join("");
  for (const { secret } of found) if (secret) out = out.replaceAll(secret, stars(secret));
  if (findSecrets(out, path ?? undefined).length) return null;
  return { text: out, masked };
}

/**
 * The snippet stored with each finding (same order): the head lines it points at, from the diff, bounded and with
 * secrets masked; null when there is nothing to show or the lines cannot be shown safely. Secrets are looked for
 * twice: in the change's added lines (as the secret scan does) and in the snippet itself. A snippet that touches a
 * secret spanning several lines (a private key), or one the snippet alone does not reveal to the scan, is null;
 * so is a `secret:` finding's snippet in which nothing could be masked.
 */
export async function findingSnippets(findings: Located[], files: ChangedFile[]): Promise<(string | null)[]> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const raw = findings.map((f) => (f.filePath ? headLines(byPath.get(f.filePath), f.startLine, f.endLine) : []));
  if (raw.every((lines) => lines.length === 0)) return findings.map(() => null);
  const paths = new Set(findings.filter((_, i) => raw[i].length).map((f) => f.filePath));
  const secrets = await scanAddedLinesForSecrets(files.filter((f) => f.patchAvailable && paths.has(f.path)));
  return Promise.all(
    findings.map(async (finding, i) => {
      const lines = raw[i];
      if (lines.length === 0) return null;
      const first = finding.startLine!;
      const last = first + lines.length - 1;
      const near = secrets.filter((s) => s.filePath === finding.filePath && s.startLine !== null && s.startLine <= last && (s.endLine ?? s.startLine) >= first);
      if (near.some((s) => (s.endLine ?? s.startLine) !== s.startLine)) return null;
      const result = maskSecrets(lines.join("\n"), finding.filePath);
      if (!result) return null;
      // Every secret the scan found on these lines must have been found (and masked) in the snippet too.
      if (near.some((s) => !result.masked.get(s.startLine! - first + 1)?.has(s.rule.slice("secret:".length)))) return null;
      if (finding.rule.startsWith("secret:") && result.masked.size === 0) return null;
      return boundSnippet(result.text.split("\n"));
    }),
  );
}
