import { Elysia } from "elysia";
import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { listPassportsQuery } from "../../merge-gate/passports/routes.ts";
import { publicSigningKeys } from "../../merge-gate/passports/signing.ts";
import { listPassports, passportWithTimeline } from "../../merge-gate/passports/views.ts";
import { badge, html, nextPage, option, time } from "../html.ts";
import { layout } from "../layout.ts";
import { dashboardPage, HIDDEN } from "../page.ts";
import { passportDetail, TIMELINE_PAGE } from "./passport-detail.ts";
import { signingKeysBody } from "./passport-signing-key.ts";

const CURRENT = "/dashboard/passports";
const OUTCOMES = ["", "allow", "require_approval", "block"];
const BANDS = ["", "low", "medium", "high", "critical"];

/** A date from `<input type="date">` means midnight UTC; a full ISO date-time is passed on as is. */
const sinceOf = (value: string | undefined) => (value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);

const firstIssue = (error: { issues: { path: PropertyKey[]; message: string }[] }) => `${error.issues[0].path.join(".")}: ${error.issues[0].message}`;

/** Change passports: the queue (filters like GET /api/v1/passports), one passport with its record, the signing keys. */
export const passportPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-passports" })
    .get(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, query }) => {
        const given = Object.fromEntries(Object.entries(query).filter(([, v]) => v));
        const parsed = listPassportsQuery.safeParse({ ...given, updatedSince: sinceOf(given.updatedSince) });
        if (!parsed.success) throw new AppError("VALIDATION", `Bad filter: ${firstIssue(parsed.error)}`);
        const filters = parsed.data;
        const page = await listPassports(scoped, filters);
        const filtered = Boolean(filters.repository || filters.policyOutcome || filters.riskBand || filters.updatedSince);
        const body = html`
<form method="get" class="filters" role="search" aria-label="Filter passports">
  <label>Repository <input name="repository" value="${filters.repository ?? ""}" placeholder="owner/repo"></label>
  <label>Policy outcome <select name="policyOutcome">${OUTCOMES.map((o) => option(o, filters.policyOutcome))}</select></label>
  <label>Risk band <select name="riskBand">${BANDS.map((b) => option(b, filters.riskBand))}</select></label>
  <label>Updated since (UTC) <input type="date" name="updatedSince" value="${given.updatedSince ?? ""}"></label>
  <button type="submit">Filter</button>
</form>
<p><a href="${CURRENT}/signing-key">Public signing keys</a> <span class="muted">(to verify exported bundles offline)</span></p>
${
  page.passports.length === 0
    ? html`<div class="empty"><p>No change passports${filtered ? " match these filters" : " yet"}.</p>
<p>${filtered ? html`<a href="${CURRENT}">Clear the filters</a>.` : html`A passport is opened for a pull request with its first review: install the GitHub App on a repository, or queue a review (see <a href="/dashboard/review-runs">Review runs</a>).`}</p></div>`
    : html`<div class="table-wrap"><table>
<caption class="muted">Most recently changed first</caption>
<thead><tr><th scope="col">Pull request</th><th scope="col">Verdict</th><th scope="col">Risk</th><th scope="col">Checkpoint</th><th scope="col">Policy</th><th scope="col">Snapshots</th><th scope="col">Updated</th></tr></thead>
<tbody>${page.passports.map(
        (p) => html`<tr>
<th scope="row"><a href="${CURRENT}/${p.passportId}">${p.repository}#${p.pullRequestNumber}</a><br><span class="muted">${p.title ?? ""} · <code>${p.headSha.slice(0, 12)}</code></span></th>
<td>${badge(p.verdict)}</td><td>${badge(p.riskBand)} ${p.riskScore ?? ""}</td><td>${badge(p.checkpointOutcome)}</td><td>${badge(p.policyOutcome)}</td>
<td>${p.snapshotCount}</td><td>${time(p.updatedAt)}</td></tr>`,
      )}</tbody></table></div>`
}
${nextPage(CURRENT, { repository: filters.repository, policyOutcome: filters.policyOutcome, riskBand: filters.riskBand, updatedSince: given.updatedSince }, page.nextCursor)}`;
        return layout({ title: "Change passports", viewer, current: CURRENT, body });
      }),
      HIDDEN,
    )
    .get(
      `${CURRENT}/signing-key`,
      dashboardPage(ctx, async ({ viewer }) => layout({ title: "Passport signing keys", viewer, current: CURRENT, body: signingKeysBody(await publicSigningKeys(ctx)) })),
      HIDDEN,
    )
    .get(
      `${CURRENT}/:id`,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, params, query }) => {
        const passport = await passportWithTimeline(scoped, params.id);
        const before = query.cursor && /^\d+$/.test(query.cursor) ? Number(query.cursor) : undefined;
        const github = `${ctx.config.env.CRITIQUE_GITHUB_URL.replace(/\/$/, "")}/${passport.repository}`;
        const body = passportDetail(passport, { github, before, pageSize: TIMELINE_PAGE });
        return layout({ title: `Passport of ${passport.repository}#${passport.pullRequestNumber}`, viewer, current: CURRENT, body });
      }),
      HIDDEN,
    );
