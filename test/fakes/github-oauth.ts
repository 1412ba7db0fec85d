import { randomBytes } from "node:crypto";
import { credentialOf } from "./github-auth.ts";
import type { GitHubState, RouteDef } from "./github-routes.ts";
import { isoNow, type Schemas, type Urls, user } from "./github-shapes.ts";
import { jsonResponse, type RecordedRequest } from "./http.ts";

/**
 * The GitHub App's OAuth web application flow, on the web base as on github.com and GHES (never under `/api/v3`):
 * `GET /login/oauth/authorize` (the test stands in for the person in the browser: authorizeAs), `POST
 * /login/oauth/access_token` in GitHub's shapes (form-encoded unless `Accept: application/json`; errors are 200s
 * with an `error` field), and `GET /user` on the API with the user token it hands out.
 */
export interface OAuthState {
  clientId: string;
  clientSecret: string;
  /** The App's registered callback URLs; empty: any redirect_uri is accepted. */
  callbackUrls: string[];
  /** Who is signed in to GitHub in the test's "browser": a login approves, null denies (Cancel), undefined: nobody yet. */
  browser: string | null | undefined;
  codes: Map<string, { login: string; redirectUri: string | undefined; expiresAt: number }>;
  userTokens: Map<string, { login: string; expiresAt: number }>;
  /** Lower-cased login -> the user (created by authorizeAs). */
  users: Map<string, Schemas["private-user"]>;
}

export const OAUTH_WEB_ROUTES = ["GET /login/oauth/authorize", "POST /login/oauth/access_token"] as const;
export type OAuthWebRoute = (typeof OAUTH_WEB_ROUTES)[number];

/** GitHub: codes expire after 10 minutes; user tokens of a GitHub App after 8 hours, refresh tokens after ~6 months. */
const CODE_LIFETIME_MS = 10 * 60_000;
const USER_TOKEN_LIFETIME_S = 8 * 60 * 60;
const REFRESH_TOKEN_LIFETIME_S = 15_897_600;
const TROUBLESHOOT_TOKEN = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";
const TROUBLESHOOT_AUTHORIZE = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors";

const base62 = (n: number) => [...randomBytes(n)].map((b) => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[b % 62]).join("");

export function oauthState(appId: number, callbackUrls: string[] = []): OAuthState {
  // The same client id `GET /app` shows; secrets are 40 hex characters, as GitHub generates them.
  return { clientId: `Iv23li${appId}`, clientSecret: randomBytes(20).toString("hex"), callbackUrls, browser: undefined, codes: new Map(), userTokens: new Map(), users: new Map() };
}

/** The authenticated user as `GET /user` shows it to themselves (`private-user`). */
export function privateUser(urls: Urls, login: string, id: number): Schemas["private-user"] {
  const at = isoNow();
  return {
    ...user(urls, login, id),
    user_view_type: "private",
    name: login,
    company: null,
    blog: "",
    location: null,
    email: null,
    notification_email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: at,
    updated_at: at,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { collaborators: 0, name: "free", space: 976_562_499, private_repos: 10_000 },
  };
}

export const oauthWebRoute = (method: string, pathname: string): OAuthWebRoute | undefined =>
  OAUTH_WEB_ROUTES.find((r) => r === `${method} ${pathname.replace(/\/+$/, "")}`);

const htmlPage = (status: number, title: string, text: string) =>
  new Response(`<!DOCTYPE html><html lang="en"><head><title>${title}</title></head><body><p>${text}</p></body></html>`, { status, headers: { "content-type": "text/html; charset=utf-8" } });

const redirectTo = (target: string, params: Record<string, string | null>) => {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: url.toString() } });
};

/** Where the browser goes next from GitHub's authorize page. */
function authorizePage(s: OAuthState, url: URL): Response {
  const clientId = url.searchParams.get("client_id");
  // GitHub shows its 404 page for a missing or unknown client_id, and sends nobody anywhere.
  if (!clientId || clientId !== s.clientId) return htmlPage(404, "Page not found · GitHub", "Not Found");
  const state = url.searchParams.get("state");
  const asked = url.searchParams.get("redirect_uri");
  const redirectUri = asked ?? s.callbackUrls[0];
  if (!redirectUri || !URL.canParse(redirectUri)) return htmlPage(404, "Page not found · GitHub", "Not Found");
  if (asked && s.callbackUrls.length && !s.callbackUrls.includes(asked)) {
    // GitHub sends the browser to the registered callback, with the error.
    return redirectTo(s.callbackUrls[0], {
      error: "redirect_uri_mismatch",
      error_description: "The redirect_uri MUST match the registered callback URL for this application.",
      error_uri: `${TROUBLESHOOT_AUTHORIZE}/#redirect-uri-mismatch`,
      state,
    });
  }
  if (s.browser === undefined) return htmlPage(200, "Sign in to GitHub · GitHub", "Sign in to GitHub to continue (fake GitHub: call authorizeAs(login) first).");
  if (s.browser === null) {
    return redirectTo(redirectUri, { error: "access_denied", error_description: "The user has denied your application access.", error_uri: `${TROUBLESHOOT_AUTHORIZE}/#access-denied`, state });
  }
  const code = randomBytes(10).toString("hex");
  s.codes.set(code, { login: s.browser, redirectUri: asked ?? undefined, expiresAt: Date.now() + CODE_LIFETIME_MS });
  return redirectTo(redirectUri, { code, state });
}

/** GitHub reads the parameters from the query, a form body or a JSON body. */
function tokenParams(url: URL, input: RecordedRequest): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  if (input.body && typeof input.body === "object") {
    for (const [k, v] of Object.entries(input.body as Record<string, unknown>)) if (typeof v === "string") params[k] = v;
  } else if (input.rawBody) {
    for (const [k, v] of new URLSearchParams(input.rawBody)) params[k] = v;
  }
  return params;
}

function accessToken(s: OAuthState, url: URL, input: RecordedRequest): Response {
  const asJson = /application\/json/i.test(input.headers.accept ?? "");
  const answer = (fields: Record<string, string | number>) =>
    asJson
      ? jsonResponse(200, fields)
      : new Response(new URLSearchParams(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]))).toString(), { status: 200, headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } });
  const refuse = (error: string, description: string, anchor: string) => answer({ error, error_description: description, error_uri: `${TROUBLESHOOT_TOKEN}/#${anchor}` });
  const p = tokenParams(url, input);
  if (p.client_id !== s.clientId || p.client_secret !== s.clientSecret) {
    return refuse("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.", "incorrect-client-credentials");
  }
  const grant = p.code ? s.codes.get(p.code) : undefined;
  if (!grant || grant.expiresAt <= Date.now()) return refuse("bad_verification_code", "The code passed is incorrect or expired.", "bad-verification-code");
  if (p.redirect_uri !== undefined && grant.redirectUri !== undefined && p.redirect_uri !== grant.redirectUri) {
    return refuse("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.", "redirect-uri-mismatch2");
  }
  // A code works once.
  s.codes.delete(p.code);
  const token = `ghu_${base62(36)}`;
  s.userTokens.set(token, { login: grant.login, expiresAt: Date.now() + USER_TOKEN_LIFETIME_S * 1000 });
  return answer({ access_token: token, expires_in: USER_TOKEN_LIFETIME_S, refresh_token: `ghr_${base62(76)}`, refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_S, token_type: "bearer", scope: "" });
}

export function oauthWeb(s: GitHubState, route: OAuthWebRoute, url: URL, input: RecordedRequest): Response {
  if (route === "GET /login/oauth/authorize") return authorizePage(s.oauth, url);
  return accessToken(s.oauth, url, input);
}

/** `GET /user`: the user a user token belongs to (authorize() has checked the token already). */
export function userRoutes(s: GitHubState): RouteDef[] {
  return [
    ["GET /user", "user", ({ headers }) => {
      const login = s.oauth.userTokens.get(credentialOf(headers?.authorization ?? null)!.value)!.login;
      return { status: 200, body: s.oauth.users.get(login.toLowerCase()) };
    }],
  ];
}
