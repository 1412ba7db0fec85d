import type { AppContext } from "../../src/context.ts";
import { credentialRoutes } from "./credential-routes.ts";
import { newHolderId } from "./holder.ts";
import { expireJob } from "./expire-job.ts";
import { startReaper } from "./reaper.ts";
import { codingAgentRoutes } from "./routes.ts";
import { E2BProvider } from "./sandbox/e2b.ts";
import { e2bClient } from "./sandbox/e2b-client.ts";
import { LocalProvider } from "./sandbox/local.ts";
import { bindServices, type CodingAgentServices } from "./services.ts";
import { turnJob } from "./turn-job.ts";

/**
 * The Coding Agent API surface: runs in sandboxes (local bubblewrap), their events and follow-ups, patches,
 * branches and draft pull requests. Its jobs are registered here; at shutdown its sandboxes are released.
 */
export function codingAgent(ctx: AppContext) {
  const settings = ctx.config.file.codingAgent;
  const provider = settings.provider === "e2b" ? new E2BProvider(ctx, () => e2bClient(ctx.config.env)) : new LocalProvider(ctx);
  const services: CodingAgentServices = { provider, processId: newHolderId(), activeTurns: new Set() };
  bindServices(ctx, services);
  ctx.readiness.push({
    name: `sandbox:${services.provider.name}`,
    informational: true,
    check: async () => {
      const { usable, reason } = services.provider.availability();
      if (!usable) throw new Error(reason ?? "unusable");
    },
  });
  ctx.jobs.register(turnJob, expireJob);
  const reaper = startReaper(ctx, services);
  ctx.closers.push(async () => {
    reaper.stop();
    await reaper.releaseAll("the server shut down: the warm sandbox was released");
  });
  return [codingAgentRoutes(ctx, services), credentialRoutes(ctx)];
}
