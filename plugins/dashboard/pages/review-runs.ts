import { Elysia } from "elysia";
import type { AppContext } from "../../../src/context.ts";
import type { Coverage } from "../../merge-gate/analysis/verdict.ts";
import { listRunsQuery, RUN_STATUSES, type ReviewRunView } from "../../merge-gate/model.ts";
import { queueReview } from "../../merge-gate/runs.ts";
import { listReviewRuns, loadFindings, reviewRunView } from "../../merge-gate/views.ts";
import { badge, html, nextPage, option, time } from "../html.ts";
import { layout } from "../layout.ts";
import { dashboardPage, HIDDEN, parseFilters, redirect } from "../page.ts";
import { type FindingWithSnippet, findingsSection, resolvedSince } from "./findings.ts";

const CURRENT = "/dashboard/review-runs";

/** Review runs: the list with filters, and the run page every payload's `urls.dashboard` links to. */
export const reviewRunPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-review-runs" })
    .get(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, query }) => {
        const filters = parseFilters(listRunsQuery, query);
        const page = await listReviewRuns(scoped, filters);
        const body = html`
<form method="get" class="filters" role="search">
  <label>Repository <input name="repository" value="${filters.repository ?? ""}" placeholder="owner/repo"></label>
  <label>Status <select name="status">${["", ...RUN_STATUSES].map((s) => option(s, filters.status))}</select></label>
  <label>Verdict <select name="verdict">${["", "PASS", "WARN", "FAIL"].map((v) => option(v, filters.verdict))}</select></label>
  <button type="submit">Filter</button>
</form>
${
  page.reviewRuns.length === 0
    ? html`<div class="empty"><p>No review runs${filters.repository || filters.status || filters.verdict ? " match these filters" : " yet"}.</p>
<p>Install the GitHub App on a repository (pull requests are then reviewed as they are opened and pushed), or queue one:
<code>curl ${ctx.config.publicUrl}/api/v1/reviews -H "Authorization: Bearer crt_…" -d '{"repositoryFullName":"owner/repo","pullRequestNumber":1,"headSha":"…"}'</code></p></div>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Pull request</th><th scope="col">Status</th><th scope="col">Verdict</th><th scope="col">Risk</th><th scope="col">Findings</th><th scope="col">Remedy</th><th scope="col">Created</th></tr></thead>
<tbody>${page.reviewRuns.map(
        (r) => html`<tr>
<td><a href="/dashboard/review-runs/${r.reviewRunId}">${r.repository}#${r.pullRequestNumber}</a><br><span class="muted">${r.pullRequestTitle ?? ""} · ${r.headSha.slice(0, 12)}</span></td>
<td>${badge(r.status)}</td><td>${badge(r.verdict)}</td><td>${badge(r.riskBand)}</td><td>${r.findingsTotal}</td>
<td>${r.latestRemedyRun ? badge(r.latestRemedyRun.outcome ?? r.latestRemedyRun.status) : html`<span class="muted">—</span>`}</td>
<td>${time(r.createdAt)}</td></tr>`,
      )}</tbody></table></div>`
}
${nextPage(CURRENT, { repository: filters.repository, status: filters.status, verdict: filters.verdict }, page.nextCursor)}`;
        return layout({ title: "Review runs", viewer, current: CURRENT, body });
      }),
      HIDDEN,
    )
    .get(
      `${CURRENT}/:id`,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, params }) => {
        const run = await reviewRunView(scoped, params.id, { allFindings: true });
        const findings = await withSnippets(scoped, run.reviewRunId, run.findings);
        const github = `${ctx.config.env.CRITIQUE_GITHUB_URL.replace(/\/$/, "")}/${run.repository}`;
        const resolved = await resolvedSince(scoped, run);
        const remedy = run.latestRemedyRun;
        const body = html`
<dl class="facts">
  <dt>Pull request</dt><dd><a href="${github}/pull/${run.pullRequestNumber}">${run.repository}#${run.pullRequestNumber}</a> ${run.pullRequestTitle ?? ""}</dd>
  <dt>Head</dt><dd><a href="${github}/commit/${run.headSha}"><code>${run.headSha}</code></a></dd>
  <dt>Status</dt><dd>${badge(run.status)} ${run.failureReason ? html`<span class="error">${run.failureReason}</span>` : ""}</dd>
  <dt>Verdict</dt><dd>${badge(run.verdict)}</dd>
  <dt>Risk</dt><dd>${badge(run.riskBand)} ${run.riskScore ?? ""}</dd>
  <dt>Summary</dt><dd>${run.summary ?? ""}</dd>
  <dt>Coverage</dt><dd>${coverageText(run.coverage)}</dd>
  <dt>Passport</dt><dd>${run.changePassportId ? html`<a href="/dashboard/passports/${run.changePassportId}">${run.changePassportId}</a>` : "—"}</dd>
  <dt>Remedy</dt><dd>${remedy ? html`${badge(remedy.status)} ${remedy.outcome ? badge(remedy.outcome) : ""} ${remedy.commitSha ? html`fix <code>${remedy.commitSha.slice(0, 12)}</code>` : ""} ${remedy.followUpReviewRunId ? html`· <a href="/dashboard/review-runs/${remedy.followUpReviewRunId}">re-review</a>` : ""}` : html`<span class="muted">none</span>`}</dd>
  <dt>Times</dt><dd>created ${time(run.createdAt)}, completed ${time(run.completedAt)}</dd>
</dl>
<form method="post" action="/dashboard/review-runs/${run.reviewRunId}/rerun" class="inline"><input type="hidden" name="_csrf" value="${viewer.csrfToken}"><button type="submit">Re-run review</button></form>
${findingsSection(findings, resolved)}`;
        return layout({ title: `Review of ${run.repository}#${run.pullRequestNumber}`, viewer, current: CURRENT, body });
      }),
      HIDDEN,
    )
    .post(
      `${CURRENT}/:id/rerun`,
      dashboardPage(ctx, async ({ ctx: scoped, params }) => {
        const run = await reviewRunView(scoped, params.id, { allFindings: false });
        const { run: queued } = await queueReview(scoped, { repositoryFullName: run.repository, pullRequestNumber: run.pullRequestNumber, headSha: run.headSha });
        return redirect(`/dashboard/review-runs/${queued.id}`);
      }),
      HIDDEN,
    );

/** The API's finding objects carry no code: the page reads each finding's snippet from its row (one query by run). */
async function withSnippets(ctx: AppContext, runId: string, findings: ReviewRunView["findings"]): Promise<FindingWithSnippet[]> {
  if (findings.length === 0) return findings;
  const snippets = new Map((await loadFindings(ctx, runId)).map((row) => [row.id, row.snippet]));
  return findings.map((f) => ({ ...f, snippet: snippets.get(f.id) ?? null }));
}

function coverageText(coverage: unknown) {
  const c = coverage as Partial<Coverage> | null;
  if (!c) return html`<span class="muted">—</span>`;
  const specialists = (c.specialists ?? []).map((s) => `${s.name}: ${s.status}`).join(", ");
  const skipped = c.filesSkipped?.length ? `; ${c.filesSkipped.length} file(s) skipped (${c.filesSkipped.map((f) => `${f.path}: ${f.reason}`).join(", ")})` : "";
  const unseen = c.filesNotReviewed?.length ? `; not reviewed: ${c.filesNotReviewed.join(", ")}` : "";
  return html`${c.filesReviewed ?? 0} file(s) reviewed${skipped}${unseen}. ${specialists || "Deterministic checks only."}`;
}
