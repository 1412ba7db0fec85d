import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Scope } from "../../src/auth/scopes.ts";
import type { ServiceContext } from "../../src/context.ts";

/** What a tool hands back: the structured result (the REST body's shape) and a few lines an agent can read. */
export interface ToolAnswer {
  structured: Record<string, unknown>;
  /** Text content blocks, in order; the first is the short rendering. */
  text: string[];
}

/** One MCP tool: its contract (name, scope, documented strict input, output) and the service call behind it. */
export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  input: Input;
  output?: z.ZodObject;
  /** Tools that only read say so (MCP annotation `readOnlyHint`), so clients can call them without asking. */
  readOnly: boolean;
  run(ctx: ServiceContext, input: z.output<Input>): Promise<ToolAnswer>;
}

/** Keeps each tool's `run` typed by its own input schema while the catalog holds them side by side. */
export function defineTool<Input extends z.ZodObject>(tool: ToolDefinition<Input>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

/**
 * A strict input schema (unknown fields are refused) whose every field carries a description: the mapped type
 * makes a missing description a compile error. Reuses the REST field schemas as they are.
 */
export function documented<Shape extends Record<string, z.ZodType>>(shape: Shape, docs: { [K in keyof Shape]: string }) {
  const described = Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field.describe(docs[key as keyof Shape])]));
  return z.strictObject(described as Shape);
}

export function annotationsOf(tool: ToolDefinition): ToolAnnotations {
  return { title: tool.title, readOnlyHint: tool.readOnly, destructiveHint: false, openWorldHint: false };
}

export function toResult(answer: ToolAnswer): CallToolResult {
  return { structuredContent: answer.structured, content: answer.text.map((text) => ({ type: "text", text })) };
}
