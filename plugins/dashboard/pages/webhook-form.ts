import { randomBytes } from "node:crypto";
import { type CreateEndpointInput, createEndpointBody, DEFAULT_LIFECYCLE_EVENTS, type EndpointView, LIFECYCLE_EVENT_CATALOG } from "../../webhooks/model.ts";
import { badge, type Fragment, html, time } from "../html.ts";
import { csrfField, type Viewer } from "../layout.ts";

/** What the form posted, as the user typed it (shown again when it is refused). */
export interface EndpointForm {
  url: string;
  secret: string;
  description: string;
  events: string[];
  repositories: string;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === "string" && value ? [value] : []);

export function formOf(body: Record<string, unknown>): EndpointForm {
  const text = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : "");
  return { url: text("url").trim(), secret: text("secret"), description: text("description").trim(), events: list(body.events), repositories: text("repositories") };
}

/** The form as the REST body: the same schema (and messages) as POST /api/v1/webhook-endpoints. */
export function parseForm(form: EndpointForm): { ok: true; input: CreateEndpointInput } | { ok: false; problem: string } {
  const repositories = form.repositories.split(/[\s,]+/).filter(Boolean);
  const parsed = createEndpointBody.safeParse({
    url: form.url,
    secret: form.secret,
    events: form.events,
    ...(repositories.length ? { repositories } : {}),
    ...(form.description ? { description: form.description } : {}),
  });
  if (parsed.success) return { ok: true, input: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${issue.path.join(".") || "form"}: ${issue.message}` };
}

/** A fresh suggestion: 48 URL-safe characters, well over the 32 the server requires. */
const suggestedSecret = () => randomBytes(36).toString("base64url");

export function createForm(viewer: Viewer, form?: EndpointForm, problem?: string): Fragment {
  const events = form ? new Set(form.events) : new Set<string>(DEFAULT_LIFECYCLE_EVENTS);
  return html`<section class="card" aria-labelledby="new-endpoint"><h2 id="new-endpoint">Add an endpoint</h2>
${problem ? html`<p class="error" role="alert" id="form-problem">${problem}</p>` : ""}
<form method="post" action="/dashboard/webhooks"${problem ? html` aria-describedby="form-problem"` : ""}>
${csrfField(viewer)}
<label>URL <input name="url" type="url" required maxlength="2000" size="50" value="${form?.url ?? ""}" placeholder="https://hooks.example.com/critique"></label>
<label>Secret (at least 32 characters) <input name="secret" required minlength="32" maxlength="500" size="50" autocomplete="off" spellcheck="false" value="${form?.secret ?? suggestedSecret()}" aria-describedby="secret-help"></label>
<p class="muted" id="secret-help">Copy the secret into your receiver now: every delivery is signed with it, and after saving it is never shown again (only its last four characters).</p>
<fieldset><legend>Events</legend>
${Object.entries(LIFECYCLE_EVENT_CATALOG).map(
  ([name, description]) => html`<label><input type="checkbox" name="events" value="${name}"${events.has(name) ? html` checked` : ""}> <code>${name}</code> <span class="muted">${description}</span></label>`,
)}
</fieldset>
<label>Repositories (optional; owner/repo, one per line or comma-separated; empty means every repository of your installations)
<textarea name="repositories" rows="2" cols="50">${form?.repositories ?? ""}</textarea></label>
<label>Description (optional) <input name="description" maxlength="200" size="50" value="${form?.description ?? ""}"></label>
<button type="submit">Add endpoint</button>
</form></section>`;
}

export function endpointsTable(endpoints: EndpointView[], viewer: Viewer): Fragment {
  if (endpoints.length === 0) {
    return html`<div class="empty"><p>No webhook endpoints yet.</p><p>Add one below: Critique then POSTs signed JSON to it when reviews, checkpoints, merge policies, passports and remedies of your installations change.</p></div>`;
  }
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Repositories</th><th scope="col">Secret</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
<tbody>${endpoints.map(
    (e) => html`<tr>
<th scope="row"><a href="/dashboard/webhooks/${e.id}">${e.url}</a>${e.description ? html`<br><span class="muted">${e.description}</span>` : ""}</th>
<td>${e.events.map((name, i) => html`${i ? ", " : ""}<code>${name}</code>`)}</td>
<td>${e.repositories?.length ? e.repositories.join(", ") : html`<span class="muted">all</span>`}</td>
<td><code>${e.secretHint}</code></td>
<td>${badge(e.status)}${e.disabledReason ? html`<br><span class="muted">${e.disabledReason}</span>` : ""}</td>
<td>${time(e.createdAt)}</td>
<td><form method="post" action="/dashboard/webhooks/${e.id}/delete" class="inline" data-confirm="Delete this endpoint and its delivery history?">${csrfField(viewer)}<button type="submit" aria-label="Delete endpoint ${e.url}">Delete</button></form></td>
</tr>`,
  )}</tbody></table></div>`;
}
