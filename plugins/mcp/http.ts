import { readRequestBody } from "@modelcontextprotocol/sdk/server/requestBody.js";

/** Tool arguments are small; anything bigger than this is refused before parsing (413). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An HTTP-level refusal in the shape the SDK's own transport uses for its refusals (Origin, Accept, size):
 * a JSON-RPC error response with a null id, since the request was never read as a message.
 */
export function jsonRpcRefusal(status: number, message: string, headers: Record<string, string> = {}, code = -32000): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers: { "cache-control": "no-store", ...headers } });
}

export type ReadBody =
  | { kind: "too-large" }
  /** `parsed` is undefined when the text is not JSON: the transport then answers its own parse error (-32700). */
  | { kind: "read"; text: string; parsed: unknown; methods: Set<string> };

/** Reads the POST body once (bounded) and notes which JSON-RPC methods it carries (one message or a batch). */
export async function readBody(request: Request): Promise<ReadBody> {
  const body = await readRequestBody(request, MAX_BODY_BYTES);
  if (body.tooLarge) return { kind: "too-large" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return { kind: "read", text: body.text, parsed: undefined, methods: new Set() };
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const methods = new Set(messages.map((m) => (m && typeof m === "object" && typeof m.method === "string" ? m.method : "")).filter(Boolean));
  return { kind: "read", text: body.text, parsed, methods };
}
