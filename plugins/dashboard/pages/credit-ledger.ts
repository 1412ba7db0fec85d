import type { LedgerEntry } from "../../../src/credits/index.ts";
import { badge, type Fragment, html, time } from "../html.ts";
import { credits } from "./usage-chart.ts";

/** What a ledger entry was for, linked to the dashboard page of the review or coding-agent run it paid for. */
function what(reference: string | null): Fragment {
  if (!reference) return html`<span class="muted">—</span>`;
  const review = /^review:([0-9a-f]{32})(?::|$)/.exec(reference);
  if (review) return html`<a href="/dashboard/review-runs/${review[1]}">review</a>`;
  const run = /^coding-agent:([0-9a-f]{32})$/.exec(reference);
  if (run) return html`<a href="/dashboard/agent-runs/${run[1]}">coding-agent run</a> <span class="muted">(sandbox time)</span>`;
  if (reference === "inference") return html`Inference API <span class="muted">(a block of calls)</span>`;
  return html`<code>${reference}</code>`;
}

const signed = (micro: number) => (micro > 0 ? `+${credits(micro)}` : credits(micro));

export function ledgerTable(entries: LedgerEntry[], first: boolean): Fragment {
  if (entries.length === 0) {
    return first
      ? html`<div class="empty"><p>No ledger entries yet.</p><p>An operator adds credits with <code>critique credits grant --user YOUR_NAME --amount 100</code>; every reservation, charge and refund then shows here.</p></div>`
      : html`<div class="empty"><p>No older entries. <a href="/dashboard/credits">Back to the newest.</a></p></div>`;
  }
  return html`<div class="table-wrap"><table>
<caption class="muted">Newest first. Work holds credits up front (reserve) and gives back what it did not use (settle, release).</caption>
<thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Credits</th><th scope="col">Balance after</th><th scope="col">For</th><th scope="col">Memo</th></tr></thead>
<tbody>${entries.map(
    (e) => html`<tr><td>${time(e.createdAt)}</td><td>${badge(e.kind, e.amount >= 0 ? "pass" : "info")}</td><td>${signed(e.amount)}</td><td>${credits(e.balanceAfter)}</td><td>${what(e.reference)}</td><td>${e.memo ?? ""}</td></tr>`,
  )}</tbody></table></div>`;
}
