import type { z } from "zod";
import type { AppContext, ServiceContext } from "../../src/context.ts";
import { csrfMatches, findSession, principalOf, sessionCookieOf } from "../../src/auth/sessions.ts";
import { AppError } from "../../src/errors.ts";
import { html } from "./html.ts";
import { layout, type Viewer } from "./layout.ts";

/** Dashboard routes are pages, not API: kept out of the OpenAPI document. */
export const HIDDEN = { detail: { hide: true } };

export interface PageRequest {
  /** The request's service context: the signed-in user as principal, so services apply the same visibility. */
  ctx: ServiceContext;
  viewer: Viewer;
  request: Request;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: Record<string, string | undefined>;
}

const SECURITY_HEADERS = {
  // Nothing from another origin, no inline script: text a pull request smuggles into a page cannot run.
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function htmlResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS, ...headers } });
}

/** A list page's filters from its query string (empty fields left out), or a 422 page naming the bad one. */
export function parseFilters<S extends z.ZodType>(schema: S, query: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(query).filter(([, v]) => v)));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError("VALIDATION", `Bad filter: ${issue.path.join(".")}: ${issue.message}`);
}

export const redirect = (location: string, headers: Record<string, string> = {}) => new Response(null, { status: 303, headers: { location, "cache-control": "no-store", ...headers } });

/** Only paths on this server are followed after sign-in (never `//evil.example` or an absolute URL). */
export const safeNext = (next: string | undefined) => (next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : "/dashboard");

export function errorPage(status: number, message: string, viewer?: Viewer): Response {
  const title = status === 404 ? "Not found" : status === 403 ? "Forbidden" : status === 429 ? "Too many requests" : "Something went wrong";
  return htmlResponse(layout({ title, viewer, body: html`<p class="error" role="alert">${message}</p><p><a href="/dashboard">Back to the dashboard</a></p>` }), status);
}

/**
 * A dashboard page or form action: the session cookie signs the user in (else a redirect to sign-in), a form post
 * must carry the session's CSRF token (403 otherwise), and domain errors become an HTML page with their status.
 */
export function dashboardPage(ctx: AppContext, handler: (page: PageRequest) => Promise<string | Response>) {
  return async (input: { request: Request; params?: unknown; query?: unknown; body?: unknown }): Promise<Response> => {
    const { request } = input;
    const active = await findSession(ctx, sessionCookieOf(request));
    const url = new URL(request.url);
    if (!active) return redirect(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
    const viewer: Viewer = { name: active.user.name, isAdmin: active.user.isAdmin, csrfToken: active.session.csrfToken };
    const body = (input.body && typeof input.body === "object" ? input.body : {}) as Record<string, string | undefined>;
    if (request.method !== "GET" && !csrfMatches(active.session, body._csrf ?? request.headers.get("x-csrf-token"))) {
      return errorPage(403, "CSRF token missing or invalid: reload the page and try again.", viewer);
    }
    try {
      const out = await handler({ ctx: { ...ctx, principal: principalOf(active) }, viewer, request, params: (input.params ?? {}) as Record<string, string>, query: (input.query ?? {}) as Record<string, string | undefined>, body });
      return typeof out === "string" ? htmlResponse(out) : out;
    } catch (error) {
      if (error instanceof AppError) return errorPage(error.status, error.message, viewer);
      throw error;
    }
  };
}
