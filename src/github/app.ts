import { App } from "@octokit/app";
import type { components } from "@octokit/openapi-types";
import { RequestError } from "@octokit/request-error";
import type { Config } from "../config/index.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { defaultTuning, type GitHubOctokit, type GitHubTuning, githubOctokitClass, octokitLog } from "./octokit.ts";
import { InstallationTokenCache } from "./token-cache.ts";

export type Installation = components["schemas"]["installation"];

/** The GitHub App this server acts as. Services stay thin: they call `request`/`paginate` on these clients. */
export interface GitHubApp {
  readonly appId: number;
  /** The API base URL (github.com's or a GitHub Enterprise Server's `/api/v3`). */
  readonly baseUrl: string;
  /** Authenticated as the App itself (a JWT): `/app…` routes and installation lookups. */
  readonly appClient: GitHubOctokit;
  /** Authenticated as one installation (`token ghs_…`), minted on first use and cached until near expiry. */
  installationClient(installationId: number | string): Promise<GitHubOctokit>;
  /** The installation that covers owner/repo, or NOT_FOUND when the App is not installed there. */
  findRepositoryInstallation(owner: string, repo: string): Promise<Installation>;
  readonly tokenCache: InstallationTokenCache;
}

/** The App from CRITIQUE_GITHUB_APP_ID + CRITIQUE_GITHUB_PRIVATE_KEY, or undefined when they are not set. */
export function createGitHubApp(config: Config, log?: Logger, tuning: Partial<GitHubTuning> = {}): GitHubApp | undefined {
  const appId = config.env.CRITIQUE_GITHUB_APP_ID;
  if (!appId || !config.githubPrivateKey) return undefined;
  const settings: GitHubTuning = { ...defaultTuning, writeIntervalMs: config.env.CRITIQUE_GITHUB_WRITE_INTERVAL_MS, ...tuning };
  const baseUrl = config.env.CRITIQUE_GITHUB_API_URL.replace(/\/+$/, "");
  const tokenCache = new InstallationTokenCache(settings.tokenRefreshMarginMs, settings.clock);
  const Octokit = githubOctokitClass(baseUrl, settings, tokenCache, log);
  const app = new App({ appId: Number(appId), privateKey: config.githubPrivateKey, Octokit, log: log && octokitLog(log) });
  const appClient = app.octokit as unknown as GitHubOctokit;
  const clients = new Map<number, Promise<GitHubOctokit>>();

  return {
    appId: Number(appId),
    baseUrl,
    appClient,
    tokenCache,
    installationClient(installationId) {
      const id = Number(installationId);
      if (!Number.isSafeInteger(id) || id <= 0) throw new AppError("BAD_REQUEST", `not a GitHub installation id: ${installationId}`);
      let client = clients.get(id);
      if (!client) {
        // Building the client mints nothing: the token is fetched on its first request and shared through the cache.
        client = app.getInstallationOctokit(id) as unknown as Promise<GitHubOctokit>;
        clients.set(id, client);
      }
      return client;
    },
    async findRepositoryInstallation(owner, repo) {
      try {
        const { data } = await appClient.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
        return data;
      } catch (error) {
        if (error instanceof RequestError && error.status === 404) {
          throw new AppError("NOT_FOUND", `repository ${owner}/${repo} is not on an installation of the GitHub App`);
        }
        throw error;
      }
    },
  };
}
