import type { AppContext } from "../../src/context.ts";
import { checkpointWorker } from "./checkpoints/job.ts";
import { checkpointRoutes } from "./checkpoints/routes.ts";
import { serverCheckpointSettings } from "./checkpoints/run.ts";
import { githubEventJob } from "./github/event-job.ts";
import { githubWebhookRoutes } from "./github/webhook-routes.ts";
import { handoffRoutes } from "./handoff/routes.ts";
import { passportRoutes } from "./passports/routes.ts";
import { reviewWorker } from "./pipeline/job.ts";
import { serverPolicy } from "./policy/service.ts";
import { remedyJob } from "./remedy/job.ts";
import { remedyRoutes } from "./remedy/routes.ts";
import { subscribeRemedies } from "./remedy/subscribe.ts";
import { mergeGateRoutes } from "./routes.ts";
import { sarifRoutes } from "./sarif/routes.ts";
import { runDeliveryRoutes } from "./run-deliveries.ts";

/**
 * The merge gate surface (Platform API): reviews, checkpoints, merge policy, change passports, GitHub webhooks.
 * Its jobs are registered with the scheduler here, and its config sections are checked so a typo stops start-up.
 */
export function mergeGate(ctx: AppContext) {
  serverPolicy(ctx);
  serverCheckpointSettings(ctx);
  ctx.jobs.register(reviewWorker, checkpointWorker, githubEventJob, remedyJob);
  subscribeRemedies(ctx);
  return [mergeGateRoutes(ctx), runDeliveryRoutes(ctx), sarifRoutes(ctx), remedyRoutes(ctx), checkpointRoutes(ctx), passportRoutes(ctx), githubWebhookRoutes(ctx), handoffRoutes(ctx)];
}
