import type { Elysia } from "elysia";
import type { AppContext } from "../src/context.ts";
import { codingAgent } from "./coding-agent/index.ts";
import { dashboard } from "./dashboard/index.ts";
import { inference } from "./inference/index.ts";
import { mcp } from "./mcp/index.ts";
import { mergeGate } from "./merge-gate/index.ts";
import { webhooks } from "./webhooks/index.ts";

/**
 * Every product surface, mounted by the app in this order. Each is a named Elysia instance; a surface registers
 * its job types with `ctx.jobs` here, before the workers start.
 */
export function plugins(ctx: AppContext): Elysia<any, any, any, any, any, any, any>[] {
  return [...mergeGate(ctx), ...inference(ctx), ...codingAgent(ctx), ...webhooks(ctx), ...mcp(ctx), ...dashboard(ctx)];
}
