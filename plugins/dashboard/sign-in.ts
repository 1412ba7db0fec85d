import { Elysia } from "elysia";
import { z } from "zod";
import { verifyPassword } from "../../src/auth/passwords.ts";
import { createSession, findSession, revokeSession, SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionCookieOf, csrfMatches } from "../../src/auth/sessions.ts";
import type { AppContext } from "../../src/context.ts";
import { html } from "./html.ts";
import { layout } from "./layout.ts";
import { errorPage, htmlResponse, redirect, safeNext } from "./page.ts";
import { SignInThrottle } from "./throttle.ts";

/** An HttpOnly, SameSite=Lax cookie, `Secure` when the public URL is https; max-age 0 clears it. */
export function httpOnlyCookie(ctx: AppContext, name: string, value: string, path: string, maxAgeS: number): string {
  const secure = ctx.config.publicUrl.startsWith("https://") ? "; Secure" : "";
  return `${name}=${value}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure}`;
}

/** The session cookie (also set by Sign in with GitHub); an empty value with max-age 0 clears it. */
export const cookie = (ctx: AppContext, value: string, maxAgeS: number) => httpOnlyCookie(ctx, SESSION_COOKIE, value, "/", maxAgeS);

function signInPage(next: string, github: boolean, problem?: string, status = 200): Response {
  const body = html`
<form method="post" action="/sign-in" class="card narrow">
  ${problem ? html`<p class="error" role="alert">${problem}</p>` : ""}
  <input type="hidden" name="next" value="${next}">
  <label>User name <input name="name" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
  ${github ? html`<p><a href="/sign-in/github?next=${encodeURIComponent(next)}">Sign in with GitHub</a></p>` : ""}
  <p class="muted">No account yet? An operator creates one: <code>critique users create --name you --password-stdin</code></p>
</form>`;
  return htmlResponse(layout({ title: "Sign in", body }), status);
}

const form = z.object({ name: z.string().max(200).default(""), password: z.string().max(2_000).default(""), next: z.string().max(2_000).optional() });

/** Sign-in and sign-out: a server-side session in an HttpOnly cookie; failed attempts are throttled. */
export const signInRoutes = (ctx: AppContext) => {
  const throttle = new SignInThrottle();
  const github = Boolean(ctx.config.env.CRITIQUE_GITHUB_CLIENT_ID && ctx.config.env.CRITIQUE_GITHUB_CLIENT_SECRET);
  return new Elysia({ name: "dashboard-sign-in" })
    .get("/", () => redirect("/dashboard"))
    .get("/sign-in", async ({ request, query }) => {
      if (await findSession(ctx, sessionCookieOf(request))) return redirect(safeNext(query.next));
      return signInPage(safeNext(query.next), github);
    }, { query: z.object({ next: z.string().max(2_000).optional() }), detail: { hide: true } })
    .post("/sign-in", async ({ body, request, server }) => {
      const next = safeNext(body.next);
      const address = server?.requestIP(request)?.address ?? "unknown";
      const keys = SignInThrottle.keys(body.name, address);
      const wait = throttle.retryAfter(keys);
      if (wait > 0) return htmlResponse(layout({ title: "Sign in", body: html`<p class="error" role="alert">Too many failed sign-ins: try again in ${Math.ceil(wait / 60)} minute(s).</p>` }), 429, { "retry-after": String(wait) });
      const user = await verifyPassword(ctx, body.name, body.password);
      if (!user) {
        throttle.fail(keys);
        ctx.log.warn({ user: body.name, address }, "dashboard sign-in failed");
        return signInPage(next, github, "Wrong user name or password.", 401);
      }
      throttle.succeed(keys.name);
      const { token } = await createSession(ctx, user.id, request.headers.get("user-agent"));
      ctx.log.info({ user: user.name }, "dashboard sign-in");
      return redirect(next, { "set-cookie": cookie(ctx, token, Math.floor(SESSION_MAX_AGE_MS / 1000)) });
    }, { body: form, detail: { hide: true } })
    .post("/sign-out", async ({ request, body }) => {
      const active = await findSession(ctx, sessionCookieOf(request));
      if (active) {
        if (!csrfMatches(active.session, (body as Record<string, string> | undefined)?._csrf)) return errorPage(403, "CSRF token missing or invalid: reload the page and try again.");
        await revokeSession(ctx, active.session.id);
      }
      return redirect("/sign-in", { "set-cookie": cookie(ctx, "", 0) });
    }, { detail: { hide: true } });
};
