import { verify } from "@octokit/webhooks-methods";
import { AppError } from "../errors.ts";

/**
 * Checks a GitHub App delivery: `X-Hub-Signature-256` must be the HMAC-SHA256 of the raw body with
 * CRITIQUE_GITHUB_WEBHOOK_SECRET. The body must be the exact text received (read it with `parse: "none"`):
 * a re-serialised JSON object would not match. Throws AppError; returns nothing when the delivery is genuine.
 */
export async function verifyGitHubDelivery(secret: string | undefined, rawBody: string, signature: string | null | undefined): Promise<void> {
  const checked = checkDeliveryHeaders(secret, signature);
  if (!rawBody) throw new AppError("BAD_REQUEST", "empty webhook delivery");
  if (!(await verify(checked.secret, rawBody, checked.signature.toLowerCase()))) throw new AppError("UNAUTHORIZED", "X-Hub-Signature-256 does not match the delivery");
}

/**
 * What can be refused before the body is read: no secret configured, no signature, or one that cannot be a
 * signature. A flood of unsigned posts then costs nothing but its headers.
 */
export function checkDeliveryHeaders(secret: string | undefined, signature: string | null | undefined): { secret: string; signature: string } {
  if (!secret) throw new AppError("UNAVAILABLE", "GitHub webhook deliveries are not accepted: CRITIQUE_GITHUB_WEBHOOK_SECRET is not set");
  if (!signature) throw new AppError("UNAUTHORIZED", "missing X-Hub-Signature-256 header");
  if (!/^sha256=[0-9a-f]{64}$/i.test(signature)) throw new AppError("UNAUTHORIZED", "X-Hub-Signature-256 must be sha256= followed by 64 hex digits");
  return { secret, signature };
}
