import { randomBytes, timingSafeEqual } from "node:crypto";
import { and, isNotNull, sql } from "drizzle-orm";
import { Elysia } from "elysia";
import { z } from "zod";
import { createSession, findSession, SESSION_MAX_AGE_MS, sessionCookieOf } from "../../src/auth/sessions.ts";
import type { AppContext } from "../../src/context.ts";
import { html } from "./html.ts";
import { layout } from "./layout.ts";
import { HIDDEN, htmlResponse, redirect, safeNext } from "./page.ts";
import { httpOnlyCookie, cookie as sessionCookie } from "./sign-in.ts";

/**
 * "Sign in with GitHub": the web application flow of the GitHub App's OAuth client (github.com or GitHub Enterprise
 * Server, through CRITIQUE_GITHUB_URL / CRITIQUE_GITHUB_API_URL). GitHub vouches for a login; the login signs in
 * the dashboard user of the same name (case-insensitive) who can already sign in, and nobody else: no user is
 * created, so an install never lets an arbitrary GitHub account in. The GitHub token is used once and dropped.
 */
const STATE_COOKIE = "critique_github_oauth";
const STATE_PATH = "/sign-in/github";
/** How long a browser may spend on GitHub's pages between leaving and coming back. */
const STATE_MAX_AGE_S = 10 * 60;
const GITHUB_TIMEOUT_MS = 15_000;

export const githubSignInEnabled = (ctx: AppContext) => Boolean(ctx.config.env.CRITIQUE_GITHUB_CLIENT_ID && ctx.config.env.CRITIQUE_GITHUB_CLIENT_SECRET);

const trim = (url: string) => url.replace(/\/+$/, "");
const callbackUrl = (ctx: AppContext) => `${ctx.config.publicUrl}${STATE_PATH}/callback`;

/** The short-lived cookie binding the flow's `state` to this browser, with the (already safe) `next` path. */
const stateCookie = (ctx: AppContext, value: string, maxAgeS: number) => httpOnlyCookie(ctx, STATE_COOKIE, value, STATE_PATH, maxAgeS);

function readStateCookie(request: Request): { state: string; next: string } | undefined {
  const header = request.headers.get("cookie");
  const value = header ? new Bun.CookieMap(header).get(STATE_COOKIE) : null;
  const match = value ? /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]*)$/.exec(value) : null;
  if (!match) return undefined;
  return { state: match[1], next: safeNext(Buffer.from(match[2], "base64url").toString()) };
}

const sameState = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function problemPage(ctx: AppContext, status: number, message: string): Response {
  const body = html`<div class="card narrow"><p class="error" role="alert">${message}</p><p><a href="/sign-in">Back to sign-in</a></p></div>`;
  // Whatever went wrong, this flow is over: its state cookie goes.
  return htmlResponse(layout({ title: "Sign in with GitHub", body }), status, { "set-cookie": stateCookie(ctx, "", 0) });
}

class GitHubRefused extends Error {}

/** The code's access token (GitHub answers its OAuth errors with 200 and an `error` field). */
async function exchangeCode(ctx: AppContext, code: string): Promise<string> {
  const { env } = ctx.config;
  const res = await fetch(`${trim(env.CRITIQUE_GITHUB_URL)}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json", "user-agent": "critique" },
    body: JSON.stringify({ client_id: env.CRITIQUE_GITHUB_CLIENT_ID, client_secret: env.CRITIQUE_GITHUB_CLIENT_SECRET, code, redirect_uri: callbackUrl(ctx) }),
    signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
  });
  const answer = (await res.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown; error_description?: unknown };
  if (typeof answer.error === "string") {
    ctx.log.warn({ error: answer.error, description: answer.error_description }, "GitHub refused the sign-in code");
    if (answer.error === "incorrect_client_credentials") ctx.log.error("CRITIQUE_GITHUB_CLIENT_ID / CRITIQUE_GITHUB_CLIENT_SECRET are not the GitHub App's OAuth credentials");
    throw new GitHubRefused(`GitHub refused the sign-in: ${typeof answer.error_description === "string" ? answer.error_description : answer.error} (${answer.error}). Try again.`);
  }
  if (!res.ok || typeof answer.access_token !== "string" || !answer.access_token) throw new Error(`GitHub's token endpoint answered ${res.status} without an access token`);
  return answer.access_token;
}

/** The login of the token's user (`GET /user`). */
async function loginOf(ctx: AppContext, token: string): Promise<string> {
  const res = await fetch(`${trim(ctx.config.env.CRITIQUE_GITHUB_API_URL)}/user`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "critique" },
    signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
  });
  const user = (await res.json().catch(() => ({}))) as { login?: unknown };
  if (res.status === 401 || res.status === 403) throw new GitHubRefused("GitHub did not accept the token it had just issued: try again.");
  if (!res.ok || typeof user.login !== "string" || !user.login) throw new Error(`GitHub's GET /user answered ${res.status} without a login`);
  return user.login;
}

/** The dashboard user (one who can sign in) named like the login: exact match first, else the one case-insensitive match. */
async function userFor(ctx: AppContext, login: string) {
  const { users } = ctx.tables;
  const rows = await ctx.db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(and(sql`lower(${users.name}) = ${login.toLowerCase()}`, isNotNull(users.passwordHash)));
  return rows.find((u) => u.name === login) ?? (rows.length === 1 ? rows[0] : undefined);
}

const startQuery = z.object({ next: z.string().max(2_000).optional() });
const callbackQuery = z.object({
  code: z.string().max(200).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1_000).optional(),
});

export const githubSignInRoutes = (ctx: AppContext) => {
  const enabled = githubSignInEnabled(ctx);
  const off = () => problemPage(ctx, 404, "Sign in with GitHub is not configured on this server (CRITIQUE_GITHUB_CLIENT_ID and CRITIQUE_GITHUB_CLIENT_SECRET).");
  return new Elysia({ name: "dashboard-github-sign-in" })
    .get(STATE_PATH, async ({ request, query }) => {
      if (!enabled) return off();
      const next = safeNext(query.next);
      if (await findSession(ctx, sessionCookieOf(request))) return redirect(next);
      const state = randomBytes(32).toString("base64url");
      const authorize = new URL(`${trim(ctx.config.env.CRITIQUE_GITHUB_URL)}/login/oauth/authorize`);
      authorize.searchParams.set("client_id", ctx.config.env.CRITIQUE_GITHUB_CLIENT_ID!);
      authorize.searchParams.set("redirect_uri", callbackUrl(ctx));
      authorize.searchParams.set("state", state);
      const value = `${state}.${Buffer.from(next).toString("base64url")}`;
      return redirect(authorize.toString(), { "set-cookie": stateCookie(ctx, value, STATE_MAX_AGE_S) });
    }, { query: startQuery, ...HIDDEN })
    .get(`${STATE_PATH}/callback`, async ({ request, query }) => {
      if (!enabled) return off();
      const flow = readStateCookie(request);
      if (!flow || !query.state || !sameState(flow.state, query.state)) {
        ctx.log.warn({ hasCookie: Boolean(flow) }, "GitHub sign-in callback with a missing or wrong state");
        return problemPage(ctx, 403, "This sign-in with GitHub did not start in this browser, or took too long: start again from the sign-in page.");
      }
      if (query.error) return problemPage(ctx, 401, `GitHub did not sign you in: ${query.error_description ?? query.error}.`);
      if (!query.code) return problemPage(ctx, 401, "GitHub sent no authorization code: start again from the sign-in page.");
      let login: string;
      try {
        login = await loginOf(ctx, await exchangeCode(ctx, query.code));
      } catch (error) {
        if (error instanceof GitHubRefused) return problemPage(ctx, 401, error.message);
        ctx.log.error({ err: error }, "GitHub sign-in failed");
        return problemPage(ctx, 502, "GitHub could not be reached or answered unexpectedly: try again later.");
      }
      const user = await userFor(ctx, login);
      if (!user) {
        ctx.log.warn({ login }, "GitHub sign-in refused: no dashboard user of that name");
        return problemPage(ctx, 403, `No Critique user for GitHub login ${login}: an admin creates it with \`critique users create --name ${login} --password-stdin\`.`);
      }
      const { token } = await createSession(ctx, user.id, request.headers.get("user-agent"));
      ctx.log.info({ user: user.name, login }, "dashboard sign-in with GitHub");
      const res = redirect(flow.next, { "set-cookie": sessionCookie(ctx, token, Math.floor(SESSION_MAX_AGE_MS / 1000)) });
      res.headers.append("set-cookie", stateCookie(ctx, "", 0));
      return res;
    }, { query: callbackQuery, ...HIDDEN });
};
