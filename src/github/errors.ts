import type { Octokit } from "@octokit/core";
import { RequestError } from "@octokit/request-error";
import { AppError } from "../errors.ts";

/** True when GitHub refused a request because of a primary or secondary rate limit. */
export function isRateLimited(error: RequestError): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  const headers = error.response?.headers ?? {};
  return error.status === 429 || headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined || /secondary rate limit/i.test(error.message);
}

/** Seconds until GitHub says we may call again: `retry-after`, else `x-ratelimit-reset`, else a minute. */
export function rateLimitWaitSeconds(error: RequestError, now = Date.now()): number {
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.ceil(retryAfter);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - now / 1000));
  return 60;
}

/**
 * Turns what is left after retries and rate-limit waits into our errors, so an edge answers clearly:
 * a rate limit becomes 503 with Retry-After, a 5xx or a network failure 502, bad App credentials 502.
 * Every other answer (404, 403 for a missing permission, 422…) stays a `RequestError` with its `status`,
 * for the service that made the call to interpret. Registered last, so it sees errors after the other plugins.
 */
export function githubErrors(octokit: Octokit) {
  octokit.hook.error("request", (error, options) => {
    if (!(error instanceof RequestError)) throw error;
    const where = `${options.method} ${String(options.url).replace(/\?.*$/, "")}`;
    if (isRateLimited(error)) {
      const wait = rateLimitWaitSeconds(error);
      throw new AppError("UNAVAILABLE", `GitHub API rate limit exceeded (${where}); GitHub allows the next call in ${wait} s`, { "Retry-After": String(wait) });
    }
    if (error.status >= 500) throw new AppError("BAD_GATEWAY", `GitHub API failed for ${where} (${error.status}: ${firstLine(error.message)}) after retries`);
    if (error.status === 401) {
      throw new AppError("BAD_GATEWAY", `GitHub refused the App's credentials for ${where} (401): check CRITIQUE_GITHUB_APP_ID and CRITIQUE_GITHUB_PRIVATE_KEY`);
    }
    throw error;
  });
  return {};
}

function firstLine(text: string): string {
  return text.split("\n")[0].slice(0, 200);
}
