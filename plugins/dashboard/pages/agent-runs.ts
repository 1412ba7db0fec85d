import { Elysia } from "elysia";
import type { AppContext } from "../../../src/context.ts";
import { listRunsQuery, RUN_STATUSES } from "../../coding-agent/model.ts";
import { ownRun } from "../../coding-agent/store.ts";
import { listRuns, runView } from "../../coding-agent/views.ts";
import { html, nextPage, option } from "../html.ts";
import { layout } from "../layout.ts";
import { dashboardPage, HIDDEN, parseFilters } from "../page.ts";
import { runFacts, runsTable } from "./agent-views.ts";

const CURRENT = "/dashboard/agent-runs";

/** Coding-agent runs: the signed-in user's runs, and a run's page with its live event stream. */
export const agentRunPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-agent-runs" })
    .get(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, query }) => {
        const filters = parseFilters(listRunsQuery, query);
        const page = await listRuns(scoped, filters);
        const body = html`
<form method="get" class="filters" role="search">
  <label>Repository <input name="repository" value="${filters.repository ?? ""}" placeholder="owner/repo"></label>
  <label>Status <select name="status">${["", ...RUN_STATUSES].map((s) => option(s, filters.status))}</select></label>
  <button type="submit">Filter</button>
</form>
${runsTable(page.runs, Boolean(filters.status || filters.repository), ctx.config.publicUrl)}
${nextPage(CURRENT, { repository: filters.repository, status: filters.status }, page.nextCursor)}`;
        return layout({ title: "Coding-agent runs", viewer, current: CURRENT, body });
      }),
      HIDDEN,
    )
    .get(
      `${CURRENT}/:id`,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, params }) => {
        const row = await ownRun(scoped, params.id);
        const run = await runView(scoped, row);
        // Same-origin and relative: the session cookie authenticates this GET (src/http/auth.ts), the CSP allows it.
        const stream = `/api/v1/coding-agent/runs/${run.id}/stream`;
        const body = html`${runFacts(run, row.prompt, ctx.config.env.CRITIQUE_GITHUB_URL)}
<section aria-labelledby="events-heading">
<h2 id="events-heading">Events</h2>
<p class="muted">Everything the agent did, replayed from the start and followed live until the run ends (the status above follows it; reload the page for the latest summary, changes and links). Also at <a href="${stream}">${stream}</a> (Server-Sent Events).</p>
<div class="events" id="run-events" data-stream="${stream}" aria-live="polite"></div>
<noscript><p>The live view needs JavaScript; the stream above can be read without it.</p></noscript>
</section>
<p><a href="${CURRENT}">All your runs</a></p>`;
        return layout({ title: `Coding-agent run ${run.id.slice(0, 12)}`, viewer, current: CURRENT, body });
      }),
      HIDDEN,
    );
