import { generateKeyPairSync, randomBytes, verify } from "node:crypto";

/** The test App's credentials and GitHub's side of checking them. */
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
