import { addedLines, type ChangedFile } from "./diff.ts";
import { type Finding, fingerprintOf } from "./finding.ts";
import { findSecrets, RULES, type SecretMatch, scanLines } from "./secrets/engine.ts";
import { keyFileKind } from "./secrets/key-files.ts";

export { findSecrets, RULES, type SecretMatch };

/** How a finding shows its secret: asterisks of the same length (never a character of it), capped for long keys. */
export function maskedHint(secret: string): string {
  const stars = "*".repeat(Math.min(secret.length, 64));
  return secret.length > 64 ? `${stars}… (${secret.length} characters)` : stars;
}

/**
 * Scans the lines a change adds for credentials (see secrets/engine.ts: provider formats, private keys in any
 * encoding, credentials in URLs and headers, and high-entropy values assigned to secret-like names). Each file's
 * added lines are scanned in order, so a key spanning lines is one finding from its first line to its last; each
 * secret is reported once per file. The secret never appears in the finding, only its kind and a masked hint. The
 * fingerprint is built from the secret itself (hashed), so it holds across pushes however the lines move.
 */
export async function scanAddedLinesForSecrets(files: ChangedFile[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of files) {
    const keyFile = !file.patchAvailable && file.status !== "removed" ? keyFileKind(file.path) : undefined;
    if (keyFile) findings.push(keyFileFinding(file.path, keyFile));
    const added = addedLines(file);
    if (added.length === 0) continue;
    for (const match of scanLines(added.map((a) => a.text), file.path)) {
      const start = added[match.line];
      const end = added[match.endLine] ?? start;
      const rule = `secret:${match.rule.family}`;
      const checksum = match.checksumValid ? " Its checksum is valid: this is a token as the provider issues it, not a made-up value." : "";
      findings.push({
        specialist: "SECURITY",
        severity: "FAIL",
        confidence: match.confidence,
        title: `Hard-coded secret (${match.rule.name})`,
        summary: `${match.rule.name} added on line ${start.line}: ${maskedHint(match.secret)} (masked).${checksum} Remove it from the change, rotate it (it is in the branch's history now), and load it from the environment or a secret store.`,
        filePath: file.path,
        startLine: start.line,
        endLine: end.line,
        fingerprint: fingerprintOf("SECURITY", rule, file.path, match.secret),
        rule,
      });
    }
  }
  return findings;
}

/** A keystore or private-key file whose bytes the diff does not show: reported by name, without a line. */
function keyFileFinding(path: string, kind: string): Finding {
  const rule = "secret:key-file";
  return {
    specialist: "SECURITY",
    severity: "FAIL",
    confidence: 0.9,
    title: `Private key material committed (${kind})`,
    summary: `${path} is a ${kind}: key material does not belong in a repository. Remove the file, rotate the keys it holds (they are in the branch's history now), and load them from a secret store at deploy time.`,
    filePath: path,
    startLine: null,
    endLine: null,
    fingerprint: fingerprintOf("SECURITY", rule, path, kind),
    rule,
  };
}
