import type { AppContext } from "../../src/context.ts";
import { mcpRoutes } from "./routes.ts";

/** The MCP surface: `POST /api/mcp`, ten merge-gate tools over the same services as the REST routes. */
export function mcp(ctx: AppContext) {
  return [mcpRoutes(ctx)];
}
