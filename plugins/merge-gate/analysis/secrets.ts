import { addedLines, type ChangedFile } from "./diff.ts";
import { type Finding, fingerprintOf } from "./finding.ts";

/** secretlint and its rules weigh ~20 MB: loaded on the first scan, not at start-up. */
let loading: Promise<{ lintSource: typeof import("@secretlint/core").lintSource; config: { rules: unknown[] } }> | undefined;
export function secretlint() {
  loading ??= Promise.all([import("@secretlint/core"), import("@secretlint/secretlint-rule-preset-recommend")]).then(([core, preset]) => ({
    lintSource: core.lintSource,
    config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: preset.creator }] },
  }));
  return loading;
}

/**
 * Scans the lines a change adds for credentials with secretlint's recommended rules. All added lines of all
 * files go through one lint call (one pass is far cheaper than one per file); each hit is mapped back to its
 * file and head line. The secret itself never appears in the finding, only its kind and a masked hint.
 */
export async function scanAddedLinesForSecrets(files: ChangedFile[]): Promise<Finding[]> {
  const origin: { path: string; line: number; text: string }[] = [];
  for (const file of files) for (const added of addedLines(file)) origin.push({ path: file.path, ...added });
  if (origin.length === 0) return [];
  const { lintSource, config } = await secretlint();
  const result = await lintSource({
    source: { filePath: "/added-lines.txt", content: origin.map((o) => o.text).join("\n"), ext: ".txt", contentType: "text" },
    options: { config: config as never, maskSecrets: true },
  });
  const findings: Finding[] = [];
  for (const message of result.messages) {
    const start = origin[message.loc.start.line - 1];
    const end = origin[message.loc.end.line - 1] ?? start;
    if (!start) continue;
    const kind = String(message.ruleId).replace("@secretlint/secretlint-rule-", "");
    const rule = `secret:${kind}`;
    findings.push({
      specialist: "SECURITY",
      severity: "FAIL",
      confidence: 0.99,
      title: `Hard-coded secret (${kind})`,
      summary: `${message.message} Remove it from the change, rotate it, and load it from the environment or a secret store.`,
      filePath: start.path,
      startLine: start.line,
      endLine: end.path === start.path ? end.line : start.line,
      fingerprint: fingerprintOf("SECURITY", rule, start.path, start.text),
      rule,
    });
  }
  return findings;
}
