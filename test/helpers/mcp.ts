import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** The SDK's own client over Streamable HTTP, with the key in `requestInit.headers` as an MCP client config sets it. */
export async function connectMcp(baseUrl: string, key: string | undefined, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "critique-tests", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/api/mcp", baseUrl), {
    requestInit: { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } },
  });
  await client.connect(transport);
  return client;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export const textOf = (result: CallToolResult, index = 0) => {
  const block = result.content[index];
  if (block?.type !== "text") throw new Error(`content[${index}] is not text: ${JSON.stringify(result.content)}`);
  return block.text;
};

/** Calls a tool that must succeed and returns its structured content. */
export async function callOk(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ structured: any; result: CallToolResult }> {
  const result = await call(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return { structured: result.structuredContent as any, result };
}

/** Polls get_review_run over MCP until the run is terminal, with a deadline. */
export async function pollRunOverMcp(client: Client, reviewRunId: string, timeoutMs = 30_000): Promise<{ reviewRun: any; text: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { structured, result } = await callOk(client, "get_review_run", { reviewRunId });
    if (["COMPLETED", "FAILED", "CANCELLED"].includes(structured.reviewRun.status)) return { reviewRun: structured.reviewRun, text: textOf(result) };
    if (Date.now() > deadline) throw new Error(`run ${reviewRunId} still ${structured.reviewRun.status} after ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

/** A raw JSON-RPC POST, for what the SDK client never sends (bad JSON, bad Origin, no key). */
export function rawPost(baseUrl: string, body: string, headers: Record<string, string> = {}) {
  return fetch(new URL("/api/mcp", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });
}
