import { Octokit as OctokitCore, type OctokitOptions } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
// The light build is what plugin-throttling itself uses (no Redis clustering code).
import Bottleneck from "bottleneck/light.js";
import type { Logger } from "../log.ts";
import { githubErrors } from "./errors.ts";
import type { InstallationTokenCache } from "./token-cache.ts";

export interface GitHubTuning {
  /** Retries of a 5xx or network failure (4xx are never retried, rate limits are handled below). */
  retries: number;
  /** Retry n waits n² × this (1 s, 4 s, 9 s with the default). */
  retryBaseMs: number;
  /** Longest rate-limit wait we sit out before failing; GitHub's reset can be up to an hour away. */
  maxRateLimitWaitS: number;
  /** How many rate-limited answers one request may wait out. */
  rateLimitRetries: number;
  /** Spacing of content-creating calls per installation; calls that notify people (comments, reviews) get 3×. */
  writeIntervalMs: number;
  /** A single GitHub call that takes longer is aborted (and retried like a network failure). */
  requestTimeoutMs: number;
  /** Renew an installation token when it has less than this left (GitHub's tokens live one hour). */
  tokenRefreshMarginMs: number;
  /** The clock the token cache judges expiry by (tests move it; everything else uses real time). */
  clock: () => number;
}

export const defaultTuning: GitHubTuning = {
  retries: 3,
  retryBaseMs: 1_000,
  maxRateLimitWaitS: 60,
  rateLimitRetries: 2,
  writeIntervalMs: 1_000,
  requestTimeoutMs: 30_000,
  tokenRefreshMarginMs: 5 * 60_000,
  clock: Date.now,
};

/**
 * The Octokit class every GitHub call goes through: REST pagination, retries of server errors, GitHub's
 * rate-limit headers honoured (plugin-throttling), our error translation, and the configured API base URL
 * (github.com or a GitHub Enterprise Server `/api/v3`). `@octokit/app` builds both the App client and the
 * installation clients from it, so all of them share these defaults and the installation-token cache.
 */
export function githubOctokitClass(baseUrl: string, tuning: GitHubTuning, tokenCache: InstallationTokenCache, log?: Logger) {
  // Own limiter groups (keyed per installation below): the plugin's built-in ones are process-wide and fixed.
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: tuning.writeIntervalMs });
  const notifications = new Bottleneck.Group({ maxConcurrent: 1, minTime: tuning.writeIntervalMs * 3 });
  const waitRateLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const retry = retryCount < tuning.rateLimitRetries && retryAfter <= tuning.maxRateLimitWaitS;
    log?.warn({ method: options.method, url: options.url, retryAfter, retryCount, retry }, `GitHub ${kind} rate limit`);
    return retry;
  };
  const timedFetch = (input: string | URL | Request, init: RequestInit = {}) => {
    const timeout = AbortSignal.timeout(tuning.requestTimeoutMs);
    return fetch(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };

  return OctokitCore.plugin(paginateRest, retry, throttling, githubErrors).defaults((options: OctokitOptions) => {
    const auth = options.auth as Record<string, unknown> | undefined;
    const installationId = auth && typeof auth === "object" ? auth.installationId : undefined;
    return {
      ...options,
      baseUrl: baseUrl.replace(/\/+$/, ""),
      userAgent: "critique",
      log: log ? octokitLog(log) : options.log,
      request: { ...options.request, fetch: timedFetch },
      // App auth (JWT and installation tokens) shares one expiry-aware cache; see token-cache.ts.
      auth: auth && typeof auth === "object" && "appId" in auth ? { cache: tokenCache, ...auth } : options.auth,
      retry: { retries: tuning.retries, retryAfterBaseValue: tuning.retryBaseMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      throttle: {
        id: installationId ? `installation-${installationId}` : "app",
        write,
        notifications,
        onRateLimit: waitRateLimit("primary"),
        onSecondaryRateLimit: waitRateLimit("secondary"),
      },
    };
  });
}

/** Octokit's logger shape over pino: its debug/info chatter is dropped, warnings and errors are kept. */
export function octokitLog(log: Logger) {
  return { debug: () => {}, info: () => {}, warn: log.warn.bind(log), error: log.error.bind(log) };
}

export type GitHubOctokit = InstanceType<ReturnType<typeof githubOctokitClass>>;
