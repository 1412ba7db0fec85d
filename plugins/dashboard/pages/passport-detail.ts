import type { passportWithTimeline } from "../../merge-gate/passports/views.ts";
import { badge, type Fragment, html, nextPage, time } from "../html.ts";

type Passport = Awaited<ReturnType<typeof passportWithTimeline>>;
type Entry = Passport["timeline"][number];

/** Snapshots per page of a passport's timeline (newest first). */
export const TIMELINE_PAGE = 50;

const none = html`<span class="muted">—</span>`;
const sha = (value: string | null | undefined) => (value ? html`<code title="${value}">${value.slice(0, 12)}</code>` : none);
const runLink = (id: string | null | undefined) => (id ? html`<a href="/dashboard/review-runs/${id}">${id}</a>` : none);

/** Where a snapshot's refId points: review runs have their own page; checkpoints and evaluations are further down. */
function refLink(entry: Entry): Fragment {
  if (entry.kind === "review") return html`review run ${runLink(entry.refId)}`;
  if (entry.kind === "checkpoint") return html`checkpoint <a href="#checkpoint-${entry.refId}">${entry.refId}</a>`;
  if (entry.kind === "policy") return html`evaluation <a href="#policy-${entry.refId}">${entry.refId}</a>`;
  return html`${entry.kind} <code>${entry.refId}</code>`;
}

const SHOWN_ELSEWHERE = new Set(["headSha", "latestReviewRunId"]);

/** The snapshot's recorded state, compactly: `verdict FAIL · policyOutcome block · …` (nulls left out). */
function stateText(state: Record<string, unknown>): Fragment {
  const parts = Object.entries(state)
    .filter(([k, v]) => !SHOWN_ELSEWHERE.has(k) && v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => html`<span>${k} <strong>${Array.isArray(v) ? v.map(String).join("; ") : typeof v === "object" ? JSON.stringify(v) : String(v)}</strong></span>`);
  return parts.length ? html`${parts.map((p, i) => html`${i ? " · " : ""}${p}`)}` : none;
}

function timelineSection(passport: Passport, before: number | undefined, pageSize: number): Fragment {
  const newestFirst = [...passport.timeline].reverse().filter((e) => before === undefined || e.sequence < before);
  const shown = newestFirst.slice(0, pageSize);
  const more = newestFirst.length > pageSize ? String(shown.at(-1)?.sequence) : null;
  if (passport.timeline.length === 0) return html`<h2 id="timeline">Timeline</h2><div class="empty">No snapshots yet: one is recorded with each review, checkpoint and policy evaluation.</div>`;
  return html`<h2 id="timeline">Timeline (${passport.timeline.length} snapshots, newest first)</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">#</th><th scope="col">Kind</th><th scope="col">Reference</th><th scope="col">Head</th><th scope="col">State</th><th scope="col">Recorded</th></tr></thead>
<tbody>${shown.map((e) => html`<tr><th scope="row">${e.sequence}</th><td>${badge(e.kind, "info")}</td><td>${refLink(e)}</td><td>${sha(e.headSha)}</td><td>${stateText(e.state)}</td><td>${time(e.createdAt)}</td></tr>`)}</tbody>
</table></div>
${nextPage(`/dashboard/passports/${passport.passportId}`, {}, more)}`;
}

function reviewRunsSection(passport: Passport): Fragment {
  if (passport.reviewRuns.length === 0) return html`<h2>Review runs</h2><div class="empty">No review runs for this pull request.</div>`;
  return html`<h2>Review runs (${passport.reviewRuns.length})</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Run</th><th scope="col">Head</th><th scope="col">Status</th><th scope="col">Verdict</th><th scope="col">Execution</th><th scope="col">Completed</th></tr></thead>
<tbody>${passport.reviewRuns.map((r) => html`<tr><th scope="row">${runLink(r.reviewRunId)}</th><td>${sha(r.headSha)}</td><td>${badge(r.status)}</td><td>${badge(r.verdict)}</td><td>${r.execution}</td><td>${time(r.completedAt)}</td></tr>`)}</tbody>
</table></div>`;
}

function checkpointsSection(passport: Passport): Fragment {
  if (passport.checkpoints.length === 0) return html`<h2>Checkpoints</h2><div class="empty">No checkpoints: queue one with <code>POST /api/v1/checkpoints</code> before a full review.</div>`;
  return html`<h2>Checkpoints (${passport.checkpoints.length})</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Checkpoint</th><th scope="col">Head</th><th scope="col">Status</th><th scope="col">Outcome</th><th scope="col">Completed</th></tr></thead>
<tbody>${passport.checkpoints.map((c) => html`<tr id="checkpoint-${c.checkpointId}"><th scope="row"><code>${c.checkpointId}</code></th><td>${sha(c.headSha)}</td><td>${badge(c.status)}</td><td>${badge(c.outcome)}</td><td>${time(c.completedAt)}</td></tr>`)}</tbody>
</table></div>`;
}

function policySection(passport: Passport): Fragment {
  if (passport.policyEvaluations.length === 0) return html`<h2>Policy evaluations</h2><div class="empty">No merge-policy evaluation yet: one follows every completed review.</div>`;
  return html`<h2>Policy evaluations (${passport.policyEvaluations.length}, newest first)</h2>
${[...passport.policyEvaluations].reverse().map(
  (p) => html`<article class="card" id="policy-${p.id}" aria-label="Policy evaluation ${p.outcome}">
<h3>${badge(p.outcome)} <span class="muted">${time(p.createdAt)} · head ${sha(p.headSha)}</span></h3>
${p.reasons.length ? html`<ul>${p.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : html`<p class="muted">No reasons recorded.</p>`}
<p class="muted">Triggered by ${p.reviewRunId ? html`review run ${runLink(p.reviewRunId)}` : p.checkpointId ? html`checkpoint <a href="#checkpoint-${p.checkpointId}">${p.checkpointId}</a>` : "a manual evaluation"}</p>
</article>`,
)}`;
}

/**
 * A passport: its current state, the signed export, then the timeline and everything linked to it. Like every
 * dashboard link, the export's is relative (not the payload's absolute `urls.export`): `download` only works
 * same-origin, and the page's origin is the one the browser already reached.
 */
export function passportDetail(passport: Passport, options: { github: string; before?: number; pageSize: number }): Fragment {
  return html`
<dl class="facts">
  <dt>Pull request</dt><dd><a href="${options.github}/pull/${passport.pullRequestNumber}">${passport.repository}#${passport.pullRequestNumber}</a> ${passport.title ?? ""}</dd>
  <dt>Head</dt><dd><code>${passport.headSha}</code></dd>
  <dt>Verdict</dt><dd>${badge(passport.verdict)}</dd>
  <dt>Risk</dt><dd>${badge(passport.riskBand)} ${passport.riskScore ?? ""}</dd>
  <dt>Checkpoint</dt><dd>${badge(passport.checkpointOutcome)}</dd>
  <dt>Merge policy</dt><dd>${badge(passport.policyOutcome)}</dd>
  <dt>Latest review</dt><dd>${runLink(passport.latestReviewRunId)}</dd>
  <dt>Times</dt><dd>opened ${time(passport.createdAt)}, updated ${time(passport.updatedAt)}</dd>
</dl>
<p><a href="/api/v1/passports/${passport.passportId}/export" download="passport-${passport.passportId}.json">Download the signed export (JSON)</a>
<span class="muted">Verify it offline with <code>critique passport verify passport-${passport.passportId}.json --public-key KEY.pem</code>, using a key from the <a href="/dashboard/passports/signing-key">signing key page</a>.</span></p>
${timelineSection(passport, options.before, options.pageSize)}
${reviewRunsSection(passport)}
${checkpointsSection(passport)}
${policySection(passport)}`;
}
