import { addedLines, type ChangedFile } from "../analysis/diff.ts";
import { changeFacts, SENSITIVE } from "../analysis/facts.ts";
import type { Finding } from "../analysis/finding.ts";
import { globMatcher } from "../analysis/paths.ts";
import type { CheckpointRule, CheckpointSettings } from "./config.ts";

export type CheckpointOutcome = "block" | "warn" | "pass";

export interface FiredRule {
  rule: CheckpointRule;
  level: "block" | "warn";
  message: string;
  evidence: { file: string; line: number | null }[];
}

export interface CheckpointInput {
  files: ChangedFile[];
  author: { login: string; type: string } | null;
  /** Secret findings from the shared scanner (the checkpoint does not scan twice when a caller already did). */
  secrets: Finding[];
}

const EVIDENCE_CAP = 20;

/** Deterministic and cheap: no model, no network. Which rules fired, with the files and lines that made them. */
export function evaluateCheckpoint(input: CheckpointInput, settings: CheckpointSettings): { outcome: CheckpointOutcome; fired: FiredRule[] } {
  const facts = changeFacts(input.files);
  const fired: FiredRule[] = [];
  const fire = (rule: CheckpointRule, message: string, evidence: FiredRule["evidence"]) => {
    const level = settings.rules[rule];
    if (level !== "off") fired.push({ rule, level, message, evidence: evidence.slice(0, EVIDENCE_CAP) });
  };
  const firstAdded = (path: string) => addedLines(input.files.find((f) => f.path === path)!)[0]?.line ?? null;

  if (input.secrets.length) {
    fire("secrets", `${input.secrets.length} credential${input.secrets.length === 1 ? "" : "s"} in added lines (${[...new Set(input.secrets.map((s) => s.rule.replace("secret:", "")))].join(", ")})`, input.secrets.map((s) => ({ file: s.filePath!, line: s.startLine })));
  }
  const extra = settings.protectedPaths.length ? globMatcher(settings.protectedPaths) : () => false;
  const protectedFiles = input.files.filter((f) => settings.protectedCategories.some((c) => SENSITIVE[c](f.path)) || extra(f.path));
  if (protectedFiles.length) {
    fire("protectedPaths", `protected paths changed: ${protectedFiles.slice(0, 5).map((f) => f.path).join(", ")}${protectedFiles.length > 5 ? ", …" : ""}`, protectedFiles.map((f) => ({ file: f.path, line: firstAdded(f.path) })));
  }
  const changed = facts.additions + facts.deletions;
  if (changed > settings.maxChangedLines) {
    const biggest = [...input.files].sort((a, b) => b.additions + b.deletions - (a.additions + a.deletions));
    fire("largeDiff", `${changed} lines changed (limit ${settings.maxChangedLines})`, biggest.map((f) => ({ file: f.path, line: null })));
  }
  if (facts.binaryAdded.length) fire("binaryAdded", `binary files added: ${facts.binaryAdded.join(", ")}`, facts.binaryAdded.map((file) => ({ file, line: null })));
  const mismatch = [...facts.manifestWithoutLock.map((f) => `${f} without its lock file`), ...facts.lockWithoutManifest.map((f) => `${f} without its manifest`)];
  if (mismatch.length) fire("manifestLockMismatch", `dependencies out of step: ${mismatch.join("; ")}`, [...facts.manifestWithoutLock, ...facts.lockWithoutManifest].map((file) => ({ file, line: null })));
  if (facts.sourceChangedWithoutTests) fire("sourceWithoutTests", `${facts.sourceFiles.length} source file${facts.sourceFiles.length === 1 ? "" : "s"} changed without any test change`, facts.sourceFiles.map((file) => ({ file, line: null })));
  const login = input.author?.login.toLowerCase() ?? "";
  if (input.author && (input.author.type === "Bot" || settings.agentLogins.some((a) => login.includes(a.toLowerCase())))) {
    fire("agentAuthor", `opened by ${input.author.type === "Bot" ? "a bot" : "a coding agent"} (${input.author.login})`, []);
  }
  const outcome: CheckpointOutcome = fired.some((r) => r.level === "block") ? "block" : fired.length ? "warn" : "pass";
  return { outcome, fired };
}
