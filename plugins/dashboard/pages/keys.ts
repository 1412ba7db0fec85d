import { Elysia } from "elysia";
import { createKey, revokeKey } from "../../../src/auth/keys.ts";
import { isScope } from "../../../src/auth/scopes.ts";
import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { html, nextPage } from "../html.ts";
import { layout, type Viewer } from "../layout.ts";
import { dashboardPage, HIDDEN, htmlResponse, redirect } from "../page.ts";
import { ownKey, ownKeys } from "./key-query.ts";
import { createdKey, createForm, EXPIRY_DAYS, emptyKeyForm, type KeyForm, keysTable } from "./key-views.ts";

const CURRENT = "/dashboard/keys";
const CURSOR = /^[0-9a-f]{32}$/;
const DAY_MS = 24 * 60 * 60_000;

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The create form's fields, checked before anything is minted; a problem re-shows the form with what was typed. */
function readForm(viewer: Viewer, body: Record<string, unknown>): KeyForm {
  const name = typeof body.name === "string" ? body.name.trim() : "";
  const scopes = [...new Set(list(body.scopes as string | string[] | undefined))];
  const expiry = typeof body.expiry === "string" ? body.expiry : "none";
  const form = { name, scopes, expiry };
  if (!name) return { ...form, problem: "Give the key a name, so you can tell it apart later." };
  if (name.length > 200) return { ...form, problem: "The name can be at most 200 characters." };
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length) return { ...form, problem: `Unknown scope: ${unknown.join(", ")}` };
  if (scopes.includes("admin") && !viewer.isAdmin) throw new AppError("FORBIDDEN", "Only admins can create keys with the admin scope.");
  if (scopes.length === 0) return { ...form, problem: "Pick at least one scope." };
  if (!Object.hasOwn(EXPIRY_DAYS, expiry)) return { ...form, problem: "Pick an expiry from the list." };
  return form;
}

/** API keys: the signed-in user's own keys, a create form (the new key is shown once), and revocation. */
export const keyPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-keys" })
    .get(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, query }) => {
        const cursor = query.cursor && CURSOR.test(query.cursor) ? query.cursor : undefined;
        if (query.cursor && !cursor) throw new AppError("VALIDATION", "Bad cursor: follow the page's own “Older” link.");
        const page = await ownKeys(scoped, cursor);
        const revoked = query.revoked ? page.keys.find((k) => k.id === query.revoked) : undefined;
        const body = html`${revoked ? html`<p class="card" role="status">Revoked <strong>${revoked.name}</strong>: requests with it now get 401.</p>` : ""}
${createForm(viewer, emptyKeyForm)}
<section aria-labelledby="your-keys">
<h2 id="your-keys">Your keys</h2>
${keysTable(viewer, page.keys, ctx.config.publicUrl)}
${nextPage(CURRENT, {}, page.nextCursor)}
</section>`;
        return layout({ title: "API keys", viewer, current: CURRENT, body });
      }),
      HIDDEN,
    )
    .post(
      CURRENT,
      dashboardPage(ctx, async ({ ctx: scoped, viewer, body }) => {
        const form = readForm(viewer, body);
        if (form.problem) {
          const page = layout({ title: "API keys", viewer, current: CURRENT, body: html`${createForm(viewer, form)}<p><a href="${CURRENT}">Back to your keys</a></p>` });
          return htmlResponse(page, 422);
        }
        const days = EXPIRY_DAYS[form.expiry];
        const created = await createKey(scoped, {
          name: form.name,
          user: scoped.principal.userName,
          scopes: [...form.scopes],
          expiresAt: days === null ? undefined : new Date(Date.now() + days * DAY_MS),
        });
        ctx.log.info({ user: scoped.principal.userName, key: created.id }, "dashboard: API key created");
        return htmlResponse(layout({ title: "Key created", viewer, current: CURRENT, body: createdKey(created, ctx.config.publicUrl) }), 201);
      }),
      HIDDEN,
    )
    .post(
      `${CURRENT}/:id/revoke`,
      dashboardPage(ctx, async ({ ctx: scoped, params }) => {
        const key = await ownKey(scoped, params.id);
        await revokeKey(scoped, key.id);
        ctx.log.info({ user: scoped.principal.userName, key: key.id }, "dashboard: API key revoked");
        return redirect(`${CURRENT}?revoked=${encodeURIComponent(key.id)}`);
      }),
      HIDDEN,
    );
