import type { AppContext } from "../../src/context.ts";
import { githubWebhookRoutes } from "./github/webhook-routes.ts";
import { githubEventJob } from "./github/event-job.ts";
import { reviewJob } from "./pipeline/job.ts";
import { mergeGateRoutes } from "./routes.ts";

/** The merge gate surface: its jobs registered with the scheduler, its REST and GitHub webhook routes. */
export function mergeGate(ctx: AppContext) {
  ctx.jobs.register(reviewJob, githubEventJob);
  return [mergeGateRoutes(ctx), githubWebhookRoutes(ctx)];
}
