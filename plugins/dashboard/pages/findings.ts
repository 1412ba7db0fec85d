import { and, desc, eq, lt } from "drizzle-orm";
import type { ServiceContext } from "../../../src/context.ts";
import type { ReviewRunView } from "../../merge-gate/model.ts";
import { loadFindings } from "../../merge-gate/views.ts";
import { badge, type Fragment, html } from "../html.ts";

/** A finding as the API shows it, plus (on the dashboard only) the head lines it points at, from its row. */
export type FindingWithSnippet = ReviewRunView["findings"][number] & { snippet?: string | null };
type Finding = FindingWithSnippet;
const SEVERITIES = ["FAIL", "WARNING", "INFO"] as const;

/** Findings of the pull request's previous completed review that this one no longer reports (fixed by a push). */
export async function resolvedSince(ctx: ServiceContext, run: ReviewRunView): Promise<{ title: string; filePath: string | null; fingerprint: string }[]> {
  const t = ctx.tables.reviewRuns;
  // The same installation's runs only: after a reinstall by someone else, the earlier tenant's reviews are not ours.
  const [self] = await ctx.db.select({ installationId: t.installationId }).from(t).where(eq(t.id, run.reviewRunId));
  if (!self) return [];
  const [previous] = await ctx.db
    .select({ id: t.id })
    .from(t)
    .where(and(eq(t.installationId, self.installationId), eq(t.repositoryKey, run.repository.toLowerCase()), eq(t.pullRequestNumber, run.pullRequestNumber), eq(t.status, "COMPLETED"), lt(t.createdAt, new Date(run.createdAt))))
    .orderBy(desc(t.createdAt))
    .limit(1);
  if (!previous) return [];
  const now = new Set(run.findings.map((f) => f.fingerprint));
  return (await loadFindings(ctx, previous.id)).filter((f) => !now.has(f.fingerprint));
}

const lines = (f: Finding) => (f.startLine ? `:${f.startLine}${f.endLine && f.endLine !== f.startLine ? `–${f.endLine}` : ""}` : "");

/** The code lines a finding points at, as the diff showed them at review time, headed by the first line's number. */
function snippetBlock(f: Finding): Fragment | string {
  if (typeof f.snippet !== "string" || !f.snippet || !f.startLine) return "";
  return html`<figure class="snippet"><figcaption class="muted">${f.filePath ?? ""} from line ${f.startLine}</figcaption><pre data-start-line="${f.startLine}"><code>${f.snippet}</code></pre></figure>`;
}

function findingCard(f: Finding): Fragment {
  return html`<article class="finding sev-${f.severity}" aria-label="${f.severity} finding: ${f.title}">
<h3>${badge(f.severity)} ${badge(f.novelty)} ${f.title}</h3>
<p class="muted">${f.specialist} · ${f.filePath ? html`<code>${f.filePath}${lines(f)}</code>` : "no file"} · confidence ${f.confidence.toFixed(2)} · <code>${f.fingerprint}</code></p>
<p>${f.summary}</p>
${snippetBlock(f)}
</article>`;
}

/** Findings grouped by severity (each group says how many), then what earlier pushes fixed. */
export function findingsSection(findings: Finding[], resolved: { title: string; filePath: string | null; fingerprint: string }[]): Fragment {
  if (findings.length === 0 && resolved.length === 0) return html`<h2>Findings</h2><div class="empty">No findings: nothing to fix.</div>`;
  const groups = SEVERITIES.map((s) => ({ severity: s, items: findings.filter((f) => f.severity === s) })).filter((g) => g.items.length);
  return html`<h2>Findings (${findings.length})</h2>
${groups.map((g) => html`<section aria-label="${g.severity} findings"><h2>${g.severity} (${g.items.length})</h2>${g.items.map(findingCard)}</section>`)}
${resolved.length ? html`<section aria-label="Resolved findings"><h2>Resolved since the previous push (${resolved.length})</h2><ul>${resolved.map((f) => html`<li>${badge("resolved")} ${f.title} ${f.filePath ? html`<code>${f.filePath}</code>` : ""}</li>`)}</ul></section>` : ""}`;
}
