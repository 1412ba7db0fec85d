import { publicLink } from "../../src/config/index.ts";
import type { AppContext } from "../../src/context.ts";

/** The absolute `urls` of merge-gate snapshots and webhook payloads (CRITIQUE_PUBLIC_URL; see src/config/links.ts). */
type Linking = Pick<AppContext, "config">;

export function reviewRunUrls(ctx: Linking, id: string) {
  const reviewRun = publicLink(ctx.config, `/api/v1/review-runs/${id}`);
  return { reviewRun, reviewRunWithFindings: `${reviewRun}?findings=all`, dashboard: publicLink(ctx.config, `/dashboard/review-runs/${id}`) };
}

export function passportUrls(ctx: Linking, id: string) {
  const passport = publicLink(ctx.config, `/api/v1/passports/${id}`);
  return { passport, export: `${passport}/export` };
}

export const checkpointUrl = (ctx: Linking, id: string) => publicLink(ctx.config, `/api/v1/checkpoints/${id}`);
