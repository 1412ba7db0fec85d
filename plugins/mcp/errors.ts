import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "../../src/errors.ts";
import type { Logger } from "../../src/log.ts";

/**
 * A failed tool call as MCP wants it: a result with `isError`, so the agent reads why and can correct itself.
 * Domain errors keep their message (the same sentence REST puts in `{ "error" }`) and carry their code and HTTP
 * status in `_meta`; anything else is logged with its stack and answered without details.
 */
export function toolError(error: unknown, log: Logger, tool: string): CallToolResult {
  if (error instanceof AppError) return failure(error.message, { code: error.code, status: error.status });
  log.error({ err: error, tool }, "MCP tool failed");
  return failure("Internal error: the tool failed (the server log has the details)", { code: "INTERNAL", status: 500 });
}

export function failure(message: string, meta: { code: string; status: number }): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }], _meta: { "critique/error": meta } };
}
