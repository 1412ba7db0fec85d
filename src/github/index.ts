export { createGitHubApp, type GitHubApp, type Installation } from "./app.ts";
export { isRateLimited, rateLimitWaitSeconds } from "./errors.ts";
export { defaultTuning, type GitHubOctokit, type GitHubTuning } from "./octokit.ts";
export { InstallationTokenCache } from "./token-cache.ts";
export { verifyGitHubDelivery } from "./webhook-signature.ts";
