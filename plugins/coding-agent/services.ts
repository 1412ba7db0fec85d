import type { AppContext } from "../../src/context.ts";
import type { SandboxProvider } from "./sandbox/provider.ts";

/** What the Coding Agent API's services share for the life of the process. */
export interface CodingAgentServices {
  provider: SandboxProvider;
  /** Identifies this process as the holder of its local sandboxes. */
  processId: string;
  /** Runs with a turn in progress in this process (the turn itself ends them; the reaper leaves them alone). */
  activeTurns: Set<string>;
}

/**
 * The surface's services, kept on the context under a symbol (set when the plugin is mounted), so job handlers
 * reach the sandboxes. A symbol property is copied by `{ ...ctx, principal }`, so request-scoped contexts have it.
 */
const SERVICES = Symbol("coding-agent services");
type WithServices = AppContext & { [SERVICES]?: CodingAgentServices };

export function bindServices(ctx: AppContext, services: CodingAgentServices): void {
  (ctx as WithServices)[SERVICES] = services;
}

export function servicesOf(ctx: AppContext): CodingAgentServices {
  const services = (ctx as WithServices)[SERVICES];
  if (!services) throw new Error("the coding agent surface is not mounted in this process");
  return services;
}
