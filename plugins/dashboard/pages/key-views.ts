import { DEFAULT_SCOPES, SCOPES } from "../../../src/auth/scopes.ts";
import { badge, type Fragment, html, time } from "../html.ts";
import { csrfField, type Viewer } from "../layout.ts";
import type { OwnKey } from "./key-query.ts";

/** Expiry choices of the create form: days from now (none: the key never expires). */
export const EXPIRY_DAYS: Record<string, number | null> = { none: null, "30d": 30, "90d": 90, "1y": 365 };
const EXPIRY_LABELS: Record<string, string> = { none: "Never", "30d": "In 30 days", "90d": "In 90 days", "1y": "In 1 year" };

const SCOPE_HELP: Record<string, string> = {
  "read:reviews": "read review runs and findings",
  "write:reviews": "queue and re-run reviews",
  "read:passports": "read and export change passports",
  "manage:webhooks": "create and change webhook endpoints",
  "read:builder": "read coding-agent runs, their streams and patches",
  "write:builder": "start coding-agent runs and send follow-ups",
  inference: "Inference API: models and chat completions",
  admin: "every scope, and operator routes",
};

export interface KeyForm {
  name: string;
  scopes: readonly string[];
  expiry: string;
  problem?: string;
}

export const emptyKeyForm: KeyForm = { name: "", scopes: DEFAULT_SCOPES, expiry: "none" };

/** Scopes a viewer may grant: `admin` only to admins. */
export const offeredScopes = (viewer: Viewer) => SCOPES.filter((s) => s !== "admin" || viewer.isAdmin);

export function createForm(viewer: Viewer, form: KeyForm): Fragment {
  return html`<section aria-labelledby="create-key">
<h2 id="create-key">Create a key</h2>
<form method="post" action="/dashboard/keys" class="card">
  ${csrfField(viewer)}
  ${form.problem ? html`<p class="error" role="alert">${form.problem}</p>` : ""}
  <label>Name <input name="name" value="${form.name}" required maxlength="200" placeholder="ci, laptop, my-agent"></label>
  <fieldset><legend>Scopes</legend>
  ${offeredScopes(viewer).map(
    (s) => html`<label><input type="checkbox" name="scopes" value="${s}"${form.scopes.includes(s) ? html` checked` : ""}> <code>${s}</code> <span class="muted">${SCOPE_HELP[s] ?? ""}</span></label>`,
  )}
  </fieldset>
  <label>Expires <select name="expiry">${Object.keys(EXPIRY_DAYS).map((e) => html`<option value="${e}"${e === form.expiry ? html` selected` : ""}>${EXPIRY_LABELS[e]}</option>`)}</select></label>
  <button type="submit">Create key</button>
</form>
</section>`;
}

function state(key: OwnKey, now: number) {
  if (key.revokedAt) return badge("revoked", "failed");
  if (key.expiresAt && key.expiresAt.getTime() <= now) return badge("expired", "warn");
  return badge("active");
}

export function keysTable(viewer: Viewer, keys: OwnKey[], publicUrl: string): Fragment {
  if (keys.length === 0) {
    return html`<div class="empty"><p>You have no API keys yet.</p>
<p>Create one with the form above, then send it as <code>Authorization: Bearer crt_…</code>, e.g. <code>curl ${publicUrl}/api/v1/me -H "Authorization: Bearer crt_…"</code></p></div>`;
  }
  const now = Date.now();
  return html`<div class="table-wrap"><table>
<caption class="muted">Your keys, newest first. Only a key's prefix is kept in the clear.</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${keys.map(
    (k) => html`<tr>
<th scope="row">${k.name}</th><td><code>${k.prefix}…</code></td><td>${k.scopes.map((s, i) => html`${i ? ", " : ""}<code>${s}</code>`)}</td>
<td>${state(k, now)}</td><td>${time(k.createdAt)}</td><td>${k.expiresAt ? time(k.expiresAt) : html`<span class="muted">never</span>`}</td><td>${k.lastUsedAt ? time(k.lastUsedAt) : html`<span class="muted">never</span>`}</td>
<td>${
      k.revokedAt
        ? html`<span class="muted">revoked ${time(k.revokedAt)}</span>`
        : html`<form method="post" action="/dashboard/keys/${k.id}/revoke" class="inline" data-confirm="${`Revoke the key "${k.name}"? Anything using it gets 401 at once.`}">${csrfField(viewer)}<button type="submit" aria-label="${`Revoke ${k.name}`}">Revoke</button></form>`
    }</td></tr>`,
  )}</tbody></table></div>`;
}

/** The result of creating a key: the only page that ever shows it. */
export function createdKey(created: { key: string; name: string; scopes: string[]; expiresAt: string | null }, publicUrl: string): Fragment {
  return html`<div class="card" role="status">
<p><strong>Copy your new key now: this is the only time it is shown.</strong> Critique keeps only a hash of it; if you lose it, revoke it and create another.</p>
<p><code id="new-key" class="secret">${created.key}</code> <button type="button" data-copy="new-key">Copy</button></p>
<dl class="facts">
  <dt>Name</dt><dd>${created.name}</dd>
  <dt>Scopes</dt><dd>${created.scopes.join(", ")}</dd>
  <dt>Expires</dt><dd>${created.expiresAt ? time(created.expiresAt) : "never"}</dd>
</dl>
<p>Try it: <code>curl ${publicUrl}/api/v1/me -H "Authorization: Bearer crt_…"</code></p>
</div>
<p><a href="/dashboard/keys">Back to your keys</a></p>`;
}
