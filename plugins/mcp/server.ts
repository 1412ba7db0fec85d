import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import pkg from "../../package.json" with { type: "json" };
import { requireScopes } from "../../src/auth/keys.ts";
import { hasScope } from "../../src/auth/scopes.ts";
import type { ServiceContext } from "../../src/context.ts";
import { TOOLS } from "./catalog.ts";
import { toolError } from "./errors.ts";
import { annotationsOf, type ToolDefinition, toResult } from "./tool.ts";

const INSTRUCTIONS = [
  "Critique is a merge gate for pull requests on GitHub App installations you control.",
  "Typical loop: queue_checkpoint (cheap, deterministic) → queue_review → poll get_review_run until COMPLETED or FAILED → read the verdict and findings → get_merge_policy_outcome.",
  "Passports (list_passports, get_passport, export_passport) are the audit record per pull request.",
].join(" ");

/**
 * One MCP server for one request and one principal. Only the tools the key's scopes allow are registered, so
 * tools/list shows exactly those. When the request calls tools, the others are registered too, as refusals
 * without an input schema: calling one answers a tool error naming the missing scope (before any argument is
 * looked at, as REST answers 403 before 422) instead of the SDK's bare "tool not found".
 */
export function createMcpServer(ctx: ServiceContext, options: { refuseOutOfScope: boolean }): McpServer {
  const server = new McpServer({ name: "critique", title: "Critique merge gate", version: pkg.version }, {
    instructions: INSTRUCTIONS,
    // Declared up front so tools/list answers (with no tools) even for a key whose scopes open none.
    capabilities: { tools: { listChanged: false } },
  });
  for (const tool of TOOLS) {
    if (hasScope(ctx.principal.scopes, tool.scope)) register(server, ctx, tool);
    else if (options.refuseOutOfScope) registerRefusal(server, ctx, tool);
  }
  return server;
}

function register(server: McpServer, ctx: ServiceContext, tool: ToolDefinition) {
  server.registerTool(
    tool.name,
    { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: annotationsOf(tool) },
    async (input: any) => {
      try {
        return toResult(await tool.run(ctx, input));
      } catch (error) {
        return toolError(error, ctx.log, tool.name);
      }
    },
  );
}

function registerRefusal(server: McpServer, ctx: ServiceContext, tool: ToolDefinition) {
  server.registerTool(tool.name, { title: tool.title, description: tool.description }, async () => toolError(scopeError(ctx, tool), ctx.log, tool.name));
}

/** The same error, with the same sentence, that REST answers with 403 for this key and scope. */
function scopeError(ctx: ServiceContext, tool: ToolDefinition): unknown {
  try {
    requireScopes(ctx.principal, [tool.scope]);
  } catch (error) {
    return error;
  }
  return new Error(`${tool.name} was registered as a refusal for a key that has ${tool.scope}`);
}
