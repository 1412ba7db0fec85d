import { generateKeyPairSync, randomBytes, verify } from "node:crypto";
import type { GitHubState, RouteAuth } from "./github-routes.ts";
import { jsonResponse } from "./http.ts";

/** The test App's credentials and GitHub's side of checking them. */
const DOCS = "https://docs.github.com/rest";

export interface AppKeys {
  /** PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), the format GitHub hands out. */
  privateKey: string;
  publicKey: string;
}

export function generateAppKeys(): AppKeys {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKey, publicKey };
}

/**
 * Checks an App JWT the way GitHub does: RS256 signed by the App's key, `iss` the App id, `iat` not in the future
 * (60 s of clock drift allowed), `exp` in the future and at most 10 minutes after `iat`.
 * Returns GitHub's error message when it is not acceptable.
 */
export function jwtProblem(token: string, appId: number, publicKey: string, now = Date.now()): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return "A JSON web token could not be decoded";
  let header: { alg?: string };
  let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  } catch {
    return "A JSON web token could not be decoded";
  }
  if (header.alg !== "RS256") return "A JSON web token could not be decoded";
  const signed = verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], "base64url"));
  if (!signed) return "A JSON web token could not be decoded";
  if (String(claims.iss) !== String(appId)) return "Integration not found";
  const seconds = Math.floor(now / 1000);
  if (typeof claims.iat !== "number" || claims.iat > seconds + 60) return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  if (typeof claims.exp !== "number" || claims.exp <= seconds) {
    return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  }
  if (claims.exp - claims.iat > 600 || claims.exp > seconds + 660) return "'Expiration time' claim ('exp') is too far in the future";
  return undefined;
}

/** `ghs_` + 36 base62 characters, like GitHub's installation tokens. */
export function installationToken(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return `ghs_${[...randomBytes(36)].map((b) => alphabet[b % 62]).join("")}`;
}

/** The credential in an Authorization header: `{ scheme: "bearer", value }` (JWT) or `{ scheme: "token", … }`. */
export function credentialOf(header: string | null): { scheme: string; value: string } | undefined {
  const match = /^(bearer|token)\s+(\S+)$/i.exec(header?.trim() ?? "");
  return match ? { scheme: match[1].toLowerCase(), value: match[2] } : undefined;
}

/**
 * GitHub's 401s and 404s before a route runs: `/app` routes need a valid App JWT, repository routes a live
 * installation token of the installation the repository is on (another's repository is 404, as on GitHub), user
 * routes (`GET /user`) a live user token from the OAuth web flow.
 */
export function authorize(
  s: GitHubState,
  app: { id: number; publicKey: string },
  authorization: string | null,
  auth: RouteAuth,
  params: Record<string, string>,
): Response | undefined {
  const unauthorized = (message: string) => jsonResponse(401, { message, documentation_url: DOCS, status: "401" });
  const credential = credentialOf(authorization);
  if (!credential) return unauthorized("Requires authentication");
  if (auth === "app") {
    if (credential.scheme !== "bearer" || credential.value.startsWith("ghs_")) return unauthorized("A JSON web token could not be decoded");
    const problem = jwtProblem(credential.value, app.id, app.publicKey);
    return problem ? unauthorized(problem) : undefined;
  }
  if (auth === "user") {
    const user = s.oauth.userTokens.get(credential.value);
    if (user && user.expiresAt > Date.now()) return undefined;
    // An installation token is the App, not a user: GitHub refuses it on user routes.
    if (s.tokens.has(credential.value)) return jsonResponse(403, { message: "Resource not accessible by integration", documentation_url: `${DOCS}/users/users#get-the-authenticated-user`, status: "403" });
    return unauthorized("Bad credentials");
  }
  const token = s.tokens.get(credential.value);
  if (!token || token.expiresAt <= Date.now()) return unauthorized("Bad credentials");
  const repo = s.repos.get(`${params.owner}/${params.repo}`.toLowerCase());
  if (!repo || repo.installationId !== token.installationId) return jsonResponse(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  return undefined;
}
