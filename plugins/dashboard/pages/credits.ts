import { Elysia } from "elysia";
import type { AppContext } from "../../../src/context.ts";
import { creditsMode, getBalance, listLedger } from "../../../src/credits/index.ts";
import { AppError } from "../../../src/errors.ts";
import { type Fragment, html, nextPage } from "../html.ts";
import { layout } from "../layout.ts";
import { dashboardPage, HIDDEN } from "../page.ts";
import { ledgerTable } from "./credit-ledger.ts";
import { credits, topSeries, usageChart } from "./usage-chart.ts";
import { type ModelTotals, SURFACES, type Usage, USAGE_DAYS, usageByDay } from "./usage-query.ts";

const CURRENT = "/dashboard/credits";
const CURSOR = /^[0-9a-f]{32}$/;
const LEDGER_PAGE = 25;

function usageSection(usage: Usage): Fragment {
  if (usage.total === 0) {
    return html`<div class="empty"><p>Nothing used in the last ${USAGE_DAYS} days.</p>
<p>Usage shows here as you spend credits: Inference API calls (<code>POST /api/v1/chat/completions</code> with a key that has the <code>inference</code> scope; create one under <a href="/dashboard/keys">API keys</a>), reviews of pull requests, and <a href="/dashboard/agent-runs">coding-agent runs</a>.</p></div>`;
  }
  const surfaces = SURFACES.flatMap((s) => (usage.bySurface.has(s) ? [{ label: s, values: usage.bySurface.get(s)! }] : []));
  const models = topSeries(
    [...usage.byModel].map(([label, values]) => ({ label, values })),
    7,
    "other models",
  );
  return html`${usageChart("usage-by-surface", "Credits used by surface", usage.days, surfaces)}
${
  models.length
    ? html`${usageChart("usage-by-model", "Credits used by model", usage.days, models)}
<p class="muted">By model counts the tokens of Inference API calls, coding-agent turns included; reviews and sandbox time are not per model.</p>
${modelTable(usage.models)}`
    : ""
}`;
}

function modelTable(models: ModelTotals[]): Fragment {
  return html`<div class="table-wrap"><table>
<caption>Model calls, last ${USAGE_DAYS} days</caption>
<thead><tr><th scope="col">Model</th><th scope="col">Calls</th><th scope="col">Prompt tokens</th><th scope="col">Completion tokens</th><th scope="col">Credits</th></tr></thead>
<tbody>${models.map(
    (m) => html`<tr><th scope="row"><code>${m.model}</code></th><td>${m.requests.toLocaleString("en-US")}</td><td>${m.promptTokens.toLocaleString("en-US")}</td><td>${m.completionTokens.toLocaleString("en-US")}</td><td>${credits(m.cost)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** Credits: the balance, usage over the last 30 days by surface and by model, and the ledger that explains it. */
export const creditPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-credits" }).get(
    CURRENT,
    dashboardPage(ctx, async ({ ctx: scoped, viewer, query }) => {
      const cursor = query.cursor && CURSOR.test(query.cursor) ? query.cursor : undefined;
      if (query.cursor && !cursor) throw new AppError("VALIDATION", "Bad cursor: follow the page's own “Older” link.");
      const userId = scoped.principal.userId;
      const [balance, ledger, usage] = await Promise.all([getBalance(scoped, userId), listLedger(scoped, { userId, limit: LEDGER_PAGE, cursor }), usageByDay(scoped, userId)]);
      const mode = creditsMode(scoped);
      const body = html`
<section aria-labelledby="balance" class="card">
<h2 id="balance">Balance</h2>
<dl class="facts">
  <dt>Available</dt><dd><strong id="credits-available">${credits(balance.available)}</strong> credits${balance.available < 0 ? html` <span class="error">(overdrawn)</span>` : ""}</dd>
  <dt>Reserved</dt><dd><span id="credits-reserved">${credits(balance.reserved)}</span> credits <span class="muted">held by ${balance.openReservations} piece(s) of work in flight</span></dd>
  <dt>Mode</dt><dd>${mode === "enforce" ? "enforce: work the balance cannot cover is refused (402)" : "track: every charge is recorded, nothing is refused"}</dd>
</dl>
</section>
<section aria-labelledby="usage">
<h2 id="usage">Usage, last ${USAGE_DAYS} days</h2>
${usageSection(usage)}
</section>
<section aria-labelledby="ledger">
<h2 id="ledger">Ledger</h2>
${ledgerTable(ledger.entries, !cursor)}
${nextPage(CURRENT, {}, ledger.nextCursor)}
</section>`;
      return layout({ title: "Credits", viewer, current: CURRENT, body });
    }),
    HIDDEN,
  );
