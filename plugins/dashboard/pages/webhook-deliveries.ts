import type { DeliveryView } from "../../webhooks/model.ts";
import { badge, type Fragment, html, time } from "../html.ts";
import { csrfField, type Viewer } from "../layout.ts";

const none = html`<span class="muted">—</span>`;

function attemptsTable(d: DeliveryView): Fragment {
  if (d.attemptLog.length === 0) return html`<p class="muted">No attempt yet${d.nextAttemptAt ? html`: the first is due ${time(d.nextAttemptAt)}` : ""}.</p>`;
  return html`<div class="table-wrap"><table>
<caption class="muted">Attempts of delivery <code>${d.id}</code></caption>
<thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Outcome</th><th scope="col">Response code</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response</th></tr></thead>
<tbody>${d.attemptLog.map(
    (a) => html`<tr>
<th scope="row">${a.number}</th><td>${time(a.startedAt)}</td><td>${a.outcome ? badge(a.outcome, a.outcome === "delivered" ? "completed" : a.outcome === "retry" ? "warn" : "failed") : badge("in flight", "running")}</td>
<td>${a.statusCode ?? none}</td><td>${a.latencyMs === null ? none : `${a.latencyMs} ms`}</td><td>${a.error ? html`<span class="error">${a.error}</span>` : none}</td>
<td>${a.responseBody ? html`<details><summary>Body</summary><pre>${a.responseBody}</pre></details>` : none}</td>
</tr>`,
  )}</tbody></table></div>`;
}

function deliveryCard(endpointId: string, d: DeliveryView, viewer: Viewer, redelivered: boolean, active: boolean): Fragment {
  return html`<article class="card" id="delivery-${d.id}" aria-labelledby="delivery-title-${d.id}">
<h3 id="delivery-title-${d.id}"><code>${d.event}</code> ${badge(d.status, d.status === "delivered" ? "completed" : d.status === "pending" ? "queued" : "failed")}</h3>
${redelivered ? html`<p role="status">Redelivery queued: a fresh round of attempts with the same id and body.</p>` : ""}
<dl class="facts">
  <dt>Delivery id</dt><dd><code>${d.id}</code></dd>
  <dt>Repository</dt><dd>${d.repository ?? none}</dd>
  <dt>Attempts</dt><dd>${d.attempts} of ${d.maxAttempts}${d.nextAttemptAt ? html`, next ${time(d.nextAttemptAt)}` : ""}</dd>
  <dt>Last answer</dt><dd>${d.lastStatusCode ?? none}${d.lastError ? html` <span class="error">${d.lastError}</span>` : ""}</dd>
  <dt>Times</dt><dd>created ${time(d.createdAt)}, delivered ${time(d.deliveredAt)}</dd>
</dl>
${attemptsTable(d)}
${active ? html`<form method="post" action="/dashboard/webhooks/${endpointId}/deliveries/${d.id}/redeliver" class="inline">${csrfField(viewer)}<button type="submit" aria-label="Redeliver ${d.event} delivery ${d.id}">Redeliver</button></form>` : ""}
</article>`;
}

/** An endpoint's deliveries, newest first, each with every attempt and (while the endpoint is active) a Redeliver button. */
export function deliveriesSection(endpointId: string, deliveries: DeliveryView[], viewer: Viewer, options: { redelivered?: string; status?: string; active: boolean }): Fragment {
  if (deliveries.length === 0 && options.status) return html`<div class="empty"><p>No ${options.status} deliveries. <a href="/dashboard/webhooks/${endpointId}">Show all deliveries</a>.</p></div>`;
  if (deliveries.length === 0) {
    return html`<div class="empty"><p>No deliveries yet.</p><p>One is sent when a subscribed event happens on a repository of your installations, for example when a review run completes (queue one from <a href="/dashboard/review-runs">Review runs</a>).</p></div>`;
  }
  return html`${deliveries.map((d) => deliveryCard(endpointId, d, viewer, d.id === options.redelivered, options.active))}`;
}
