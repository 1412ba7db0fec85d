import type { RunView } from "../../coding-agent/model.ts";
import { badge, type Fragment, html, time } from "../html.ts";

/** Pieces of the coding-agent run pages: the list's table and the run's facts. */

const credits = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 6 });
/** Only http(s) links are rendered as links (a URL stored on a run is never a `javascript:` one on the page). */
const safeUrl = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);

export function runsTable(runs: RunView[], filtered: boolean, publicUrl: string): Fragment {
  if (runs.length === 0) {
    return html`<div class="empty"><p>No coding-agent runs${filtered ? " match these filters" : " yet"}.</p>
<p>Start one over HTTP with a key that has <code>write:builder</code> (create it under <a href="/dashboard/keys">API keys</a>):
<code>curl ${publicUrl}/api/v1/coding-agent/runs -H "Authorization: Bearer crt_…" -H "content-type: application/json" -d '{"prompt":"Fix the failing test","repository":"owner/repo","createPullRequest":true}'</code></p></div>`;
  }
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Model</th><th scope="col">Repository</th><th scope="col">Turns</th><th scope="col">Credits</th><th scope="col">Created</th></tr></thead>
<tbody>${runs.map(
    (r) => html`<tr>
<td><a href="/dashboard/agent-runs/${r.id}"><code>${r.id.slice(0, 12)}</code></a>${r.summary ? html`<br><span class="muted">${r.summary.length > 120 ? `${r.summary.slice(0, 119)}…` : r.summary}</span>` : ""}</td>
<td>${badge(r.status)}</td><td><code>${r.model}</code></td><td>${r.repository ?? html`<span class="muted">none</span>`}</td><td>${r.turns} / ${r.limits.maxTurns}</td><td>${credits(r.creditsUsed)}</td><td>${time(r.createdAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

export function runFacts(run: RunView, prompt: string, githubUrl: string): Fragment {
  const repo = run.repository ? `${githubUrl.replace(/\/$/, "")}/${run.repository}` : null;
  const pull = safeUrl(run.pullRequestUrl);
  const d = run.diffstat;
  return html`<dl class="facts">
  <dt>Status</dt><dd><strong><span id="run-status">${run.status}</span></strong>${run.failureReason ? html` <span class="${run.status === "FAILED" ? "error" : "muted"}">${run.failureReason}</span>` : ""}</dd>
  <dt>Model</dt><dd><code>${run.model}</code> <span class="muted">billing: ${run.billing}, sandbox: ${run.provider}</span></dd>
  <dt>Repository</dt><dd>${repo ? html`<a href="${repo}">${run.repository}</a>${run.ref ? html` at <code>${run.ref}</code>` : ""}${run.baseSha ? html` (<code>${run.baseSha.slice(0, 12)}</code>)` : ""}` : html`<span class="muted">none (an empty workspace)</span>`}</dd>
  <dt>Prompt</dt><dd><pre>${prompt}</pre></dd>
  <dt>Summary</dt><dd>${run.summary ? html`<pre>${run.summary}</pre>` : html`<span class="muted">none yet</span>`}</dd>
  <dt>Changes</dt><dd>${d ? `${d.files} file(s), +${d.additions} −${d.deletions}` : html`<span class="muted">none yet</span>`}${run.patchUrl ? html` · <a href="/api/v1/coding-agent/runs/${run.id}/patch" download>Download the patch</a>` : ""}</dd>
  <dt>Branch</dt><dd>${run.branch && repo ? html`<a href="${repo}/tree/${run.branch}"><code>${run.branch}</code></a>${run.commitSha ? html` at <code>${run.commitSha.slice(0, 12)}</code>` : ""}` : html`<span class="muted">none</span>`}</dd>
  <dt>Pull request</dt><dd>${pull ? html`<a href="${pull}">${run.repository}#${run.pullRequestNumber ?? ""}</a>` : html`<span class="muted">none</span>`}</dd>
  <dt>Turns</dt><dd>${run.turns} of at most ${run.limits.maxTurns}</dd>
  <dt>Credits</dt><dd>${credits(run.creditsUsed)} <span class="muted">(limit ${run.limits.maxCredits}, ${run.limits.maxMinutes} min of sandbox time)</span></dd>
  <dt>Times</dt><dd>created ${time(run.createdAt)}, started ${time(run.startedAt)}, completed ${time(run.completedAt)}${run.idleUntil ? html`, warm until ${time(run.idleUntil)}` : ""}</dd>
</dl>`;
}
