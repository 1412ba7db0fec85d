import { Elysia } from "elysia";
import type { AppContext, ServiceContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { listDeliveries, redeliverOne } from "../../webhooks/deliveries.ts";
import { createEndpoint, deleteEndpoint, endpointView, getOwnEndpoint, listEndpoints } from "../../webhooks/endpoints.ts";
import { listDeliveriesQuery } from "../../webhooks/model.ts";
import { badge, html, nextPage, time } from "../html.ts";
import { csrfField, layout, type Viewer } from "../layout.ts";
import { dashboardPage, HIDDEN, htmlResponse, redirect } from "../page.ts";
import { deliveriesSection } from "./webhook-deliveries.ts";
import { createForm, type EndpointForm, endpointsTable, formOf, parseForm } from "./webhook-form.ts";

const CURRENT = "/dashboard/webhooks";
const STATUSES = ["", "pending", "delivered", "failed", "cancelled"];

async function listPage(scoped: ServiceContext, viewer: Viewer, notice?: string, refused?: { form: EndpointForm; problem: string }) {
  const endpoints = await listEndpoints(scoped);
  const body = html`
<p>Your lifecycle webhook endpoints: each receives the subscribed events of the repositories of your installations, signed with its secret
(<code>X-Critique-Webhook-Signature</code> and Standard Webhooks headers). Only you see your endpoints.</p>
${notice ? html`<p role="status">${notice}</p>` : ""}
${endpointsTable(endpoints, viewer)}
${createForm(viewer, refused?.form, refused?.problem)}`;
  return layout({ title: "Webhooks", viewer, current: CURRENT, body });
}

/** Lifecycle webhook endpoints of the signed-in user: list and create, delete, deliveries with attempts, redelivery. */
export const webhookPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-webhooks" })
    .get(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, query }) => listPage(scoped, viewer, query.deleted ? "Endpoint deleted, with its delivery history." : undefined)),
      HIDDEN,
    )
    .post(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, body }) => {
        const form = formOf(body);
        const parsed = parseForm(form);
        // A refused form is shown again with the message (and the status the REST API would answer), not as JSON.
        if (!parsed.ok) return htmlResponse(await listPage(scoped, viewer, undefined, { form, problem: parsed.problem }), 422);
        try {
          const endpoint = await createEndpoint(scoped, parsed.input);
          return redirect(`${CURRENT}/${endpoint.id}?created=1`);
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          return htmlResponse(await listPage(scoped, viewer, undefined, { form, problem: error.message }), error.status);
        }
      }),
      HIDDEN,
    )
    .get(
      `${CURRENT}/:id`,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, params, query }) => {
        const endpoint = endpointView(await getOwnEndpoint(scoped, params.id));
        const parsed = listDeliveriesQuery.safeParse({ status: query.status || undefined, cursor: query.cursor || undefined, limit: 20 });
        if (!parsed.success) throw new AppError("VALIDATION", `Bad filter: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
        const page = await listDeliveries(scoped, endpoint.id, parsed.data);
        const status = parsed.data.status;
        const body = html`
${query.created ? html`<p role="status">Endpoint created. Its secret is stored encrypted and never shown again: only <code>${endpoint.secretHint}</code> identifies it.</p>` : ""}
<dl class="facts">
  <dt>URL</dt><dd><code>${endpoint.url}</code></dd>
  <dt>Description</dt><dd>${endpoint.description ?? html`<span class="muted">—</span>`}</dd>
  <dt>Status</dt><dd>${badge(endpoint.status)} ${endpoint.disabledReason ? html`<span class="error">${endpoint.disabledReason}</span> (register the URL again to receive deliveries)` : ""}</dd>
  <dt>Events</dt><dd>${endpoint.events.map((e, i) => html`${i ? ", " : ""}<code>${e}</code>`)}</dd>
  <dt>Repositories</dt><dd>${endpoint.repositories?.join(", ") ?? "every repository of your installations"}</dd>
  <dt>Secret</dt><dd><code>${endpoint.secretHint}</code></dd>
  <dt>Created</dt><dd>${time(endpoint.createdAt)}</dd>
</dl>
<form method="post" action="${CURRENT}/${endpoint.id}/delete" class="inline" data-confirm="Delete this endpoint and its delivery history?">${csrfField(viewer)}<button type="submit">Delete endpoint</button></form>
<h2>Deliveries</h2>
<form method="get" class="filters" aria-label="Filter deliveries">
  <label>Status <select name="status">${STATUSES.map((s) => html`<option value="${s}"${s === (status ?? "") ? html` selected` : ""}>${s || "any"}</option>`)}</select></label>
  <button type="submit">Filter</button>
</form>
${deliveriesSection(endpoint.id, page.deliveries, viewer, { redelivered: query.redelivered, status, active: endpoint.status === "active" })}
${nextPage(`${CURRENT}/${endpoint.id}`, { status }, page.nextCursor)}`;
        return layout({ title: `Webhook endpoint ${endpoint.url}`, viewer, current: CURRENT, body });
      }),
      HIDDEN,
    )
    .post(
      `${CURRENT}/:id/delete`,
      dashboardPage(ctx, async ({ ctx: scoped, params }) => {
        await deleteEndpoint(scoped, params.id);
        return redirect(`${CURRENT}?deleted=1`);
      }),
      HIDDEN,
    )
    .post(
      `${CURRENT}/:id/deliveries/:deliveryId/redeliver`,
      dashboardPage(ctx, async ({ ctx: scoped, params }) => {
        const delivery = await redeliverOne(scoped, params.id, params.deliveryId);
        return redirect(`${CURRENT}/${params.id}?redelivered=${encodeURIComponent(delivery.id)}#delivery-${encodeURIComponent(delivery.id)}`);
      }),
      HIDDEN,
    );
