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

/** The surface's services per context (set when the plugin is mounted), so job handlers reach the sandboxes. */
const registry = new WeakMap<AppContext, CodingAgentServices>();

export function bindServices(ctx: AppContext, services: CodingAgentServices): void {
  registry.set(ctx, services);
}

export function servicesOf(ctx: AppContext): CodingAgentServices {
  const services = registry.get(ctx);
  if (!services) throw new Error("the coding agent surface is not mounted in this process");
  return services;
}
