/**
 * A finished review run as SARIF 2.1.0 (OASIS Standard, errata 01), in the shape GitHub code scanning ingests:
 * one run, `tool.driver.rules` one per distinct rule, `results` with levels, relative artifact URIs, regions and
 * `partialFingerprints`. Pure: no database, no HTTP (the route and tests call it).
 */

export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
export const SARIF_CONTENT_TYPE = "application/sarif+json";
/** The key under `partialFingerprints`: versioned, so a change of fingerprint scheme can use a new key. */
export const FINGERPRINT_KEY = "critique/v1";

export type FindingSeverity = "FAIL" | "WARNING" | "INFO";
export type SarifLevel = "error" | "warning" | "note";

export interface SarifFinding {
  id: string;
  specialist: string;
  severity: FindingSeverity;
  confidence: number;
  title: string;
  summary: string;
  filePath: string | null;
  startLine: number | null;
  endLine: number | null;
  fingerprint: string;
  /** The stored rule name (`secret:github`, a model's kebab-case id, or `unspecified`). */
  rule: string;
  novelty?: string;
}

export interface SarifRunInput {
  reviewRunId: string;
  repository: string;
  pullRequestNumber: number;
  headSha: string;
  verdict: string | null;
  completedAt: string | null;
  findings: SarifFinding[];
}

export interface SarifOptions {
  /** `tool.driver.informationUri`: the server's public URL. */
  informationUri: string;
  toolVersion?: string;
}

const LEVEL: Record<FindingSeverity, SarifLevel> = { FAIL: "error", WARNING: "warning", INFO: "note" };
const RANK: Record<FindingSeverity, number> = { FAIL: 0, WARNING: 1, INFO: 2 };
/** GitHub's security-severity scale (9+ critical, 7+ high, 4+ medium, else low), for SECURITY rules only. */
const SECURITY_SEVERITY: Record<FindingSeverity, string> = { FAIL: "8.0", WARNING: "5.0", INFO: "2.0" };

export const sarifLevel = (severity: FindingSeverity): SarifLevel => LEVEL[severity] ?? "note";

/** A rule name safe to show and stable to key on: letters, digits and `._:-`, at most 80 characters. */
function slug(text: string): string {
  const cleaned = text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._:-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
  return cleaned || "unspecified";
}

/**
 * `SPECIALIST/rule`, e.g. `SECURITY/secret:github` or `PERFORMANCE/n-plus-one`. With no usable rule name, the
 * fingerprint's family (its prefix, e.g. `sec`) stands in, so every result still names a rule.
 */
export function sarifRuleId(finding: Pick<SarifFinding, "specialist" | "rule" | "fingerprint">): string {
  const specialist = finding.specialist.toUpperCase().replace(/[^A-Z0-9_]+/g, "_") || "CRITIQUE";
  const rule = finding.rule && finding.rule !== "unspecified" ? finding.rule : (finding.fingerprint.split(":")[0] ?? "");
  return `${specialist}/${slug(rule)}`;
}

/** A repository-relative path as a relative URI reference: each segment percent-encoded, no leading `/` or `./`. */
export function artifactUri(path: string): string {
  const segments = path
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".");
  return segments.map((s) => encodeURIComponent(s)).join("/");
}

const positive = (n: number | null): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1;

function location(finding: SarifFinding) {
  const uri = finding.filePath ? artifactUri(finding.filePath) : "";
  if (!uri) return undefined;
  const region = positive(finding.startLine)
    ? { startLine: finding.startLine, ...(positive(finding.endLine) && finding.endLine >= finding.startLine ? { endLine: finding.endLine } : {}) }
    : undefined;
  return { physicalLocation: { artifactLocation: { uri, uriBaseId: "%SRCROOT%" }, ...(region ? { region } : {}) } };
}

function message(finding: SarifFinding): string {
  const title = finding.title.trim();
  const summary = finding.summary.trim();
  if (!summary) return title || "Critique finding";
  return title ? `${title}\n\n${summary}` : summary;
}

/**
 * The SARIF log of one review run. A finding without a file cannot be a result: GitHub code scanning refuses a
 * whole upload when one result has no location (microsoft/sarif-sdk#2286), so it is reported as a tool execution
 * notification instead (still in the log, at its level, with its rule and fingerprint).
 */
export function buildSarif(run: SarifRunInput, options: SarifOptions) {
  const sorted = [...run.findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.confidence - a.confidence);
  const fileless = sorted.filter((f) => !location(f));
  const rules: { id: string; severity: FindingSeverity; specialist: string; rule: string; title: string }[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of sorted) {
    const id = sarifRuleId(f);
    // The first finding of a rule in severity order is its most severe: its level is the rule's default.
    if (!ruleIndex.has(id)) {
      ruleIndex.set(id, rules.length);
      rules.push({ id, severity: f.severity, specialist: f.specialist, rule: f.rule, title: f.title });
    }
  }
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0" as const,
    runs: [
      {
        tool: {
          driver: {
            name: "Critique",
            informationUri: options.informationUri,
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/[^A-Za-z0-9]+/g, "_"),
              shortDescription: { text: `${r.specialist} specialist: ${r.rule && r.rule !== "unspecified" ? r.rule : r.title}`.slice(0, 200) },
              fullDescription: { text: r.title || r.id },
              defaultConfiguration: { level: sarifLevel(r.severity) },
              properties: {
                tags: r.specialist === "SECURITY" ? ["critique", "security"] : ["critique", r.specialist.toLowerCase()],
                ...(r.specialist === "SECURITY" ? { "security-severity": SECURITY_SEVERITY[r.severity] } : {}),
              },
            })),
          },
        },
        automationDetails: { id: `critique/${run.reviewRunId}` },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: fileless.map((f) => ({
              level: sarifLevel(f.severity),
              message: { text: message(f) },
              associatedRule: { id: sarifRuleId(f), index: ruleIndex.get(sarifRuleId(f))! },
              properties: { findingId: f.id, fingerprint: f.fingerprint, specialist: f.specialist, severity: f.severity, confidence: f.confidence },
            })),
          },
        ],
        results: sorted.flatMap((f) => {
          const ruleId = sarifRuleId(f);
          const where = location(f);
          if (!where) return [];
          return [
            {
              ruleId,
              ruleIndex: ruleIndex.get(ruleId)!,
              level: sarifLevel(f.severity),
              message: { text: message(f) },
              locations: [where],
              partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
              properties: { findingId: f.id, specialist: f.specialist, severity: f.severity, confidence: f.confidence, ...(f.novelty ? { novelty: f.novelty } : {}) },
            },
          ];
        }),
        properties: {
          reviewRunId: run.reviewRunId,
          repository: run.repository,
          pullRequestNumber: run.pullRequestNumber,
          headSha: run.headSha,
          verdict: run.verdict,
          completedAt: run.completedAt,
        },
      },
    ],
  };
}

export type SarifLog = ReturnType<typeof buildSarif>;
