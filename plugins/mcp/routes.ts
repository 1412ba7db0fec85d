import { Elysia } from "elysia";
import type { AppContext, Principal } from "../../src/context.ts";
import { AppError } from "../../src/errors.ts";
import { authenticateRequest } from "../../src/http/auth.ts";
import { jsonRpcRefusal, readBody } from "./http.ts";
import { allowedOrigins, originRefusal } from "./origin.ts";

/** The MCP SDK and the tool catalog load on the first MCP request, not at start-up (a few MB most servers never use). */
let sdk: Promise<{ createMcpServer: typeof import("./server.ts").createMcpServer; Transport: typeof import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js").WebStandardStreamableHTTPServerTransport }> | undefined;
const loadSdk = () =>
  (sdk ??= Promise.all([import("./server.ts"), import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js")]).then(([server, transport]) => ({
    createMcpServer: server.createMcpServer,
    Transport: transport.WebStandardStreamableHTTPServerTransport,
  })));

const detail = {
  tags: ["MCP"],
  summary: "MCP (Streamable HTTP, stateless) for IDE agents and orchestrators: initialize, tools/list, tools/call, ping",
  description: "JSON-RPC 2.0 over POST. Tools are listed per the key's scopes. Point an MCP client at this URL with an `Authorization: Bearer crt_…` header.",
  security: [{ bearer: [] }],
  responses: { 200: { description: "JSON-RPC response" }, 202: { description: "Notification accepted" }, 401: { description: "Missing or invalid key" }, 403: { description: "Origin not allowed" } },
};

/**
 * `POST /api/mcp`. Stateless: every request authenticates its own key and gets a fresh server and transport, so
 * a revoked key or a changed scope takes effect on the next request, any replica can answer any request, and
 * nothing is kept between requests. The tools are request/response (no server-initiated messages), which is all
 * stateless mode gives up. Answers are plain JSON, not SSE streams, for the same reason.
 */
export const mcpRoutes = (ctx: AppContext) => {
  const origins = allowedOrigins(ctx.config);

  /** Origin, then key: the checks every method gets. A Response is a refusal. */
  const admit = async (request: Request): Promise<Principal | Response> => {
    const refusal = originRefusal(request.headers.get("origin"), origins);
    if (refusal) return jsonRpcRefusal(403, refusal);
    try {
      return await authenticateRequest(ctx, request);
    } catch (error) {
      if (error instanceof AppError) return jsonRpcRefusal(error.status, error.message, error.headers);
      throw error;
    }
  };

  const handle = async (request: Request): Promise<Response> => {
    const admitted = await admit(request);
    if (admitted instanceof Response) return admitted;
    if (request.method !== "POST") return jsonRpcRefusal(405, "Method not allowed: this MCP server is stateless, send JSON-RPC with POST", { allow: "POST" });

    const body = await readBody(request);
    if (body.kind === "too-large") return jsonRpcRefusal(413, "Payload Too Large: the MCP request body is limited to 1 MiB");
    // Out-of-scope tools are registered as refusals only for requests that call tools and list none, so a listing
    // never shows them (see createMcpServer).
    const refuseOutOfScope = body.methods.has("tools/call") && !body.methods.has("tools/list");
    const { createMcpServer, Transport } = await loadSdk();
    const server = createMcpServer({ ...ctx, principal: admitted }, { refuseOutOfScope });
    const transport = new Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      // The body was read here already: hand the transport the same text (it answers bad JSON with -32700).
      const headers = new Headers(request.headers);
      headers.delete("content-length");
      const replay = new Request(request.url, { method: "POST", headers, body: body.text });
      return await transport.handleRequest(replay, { parsedBody: body.parsed });
    } finally {
      await server.close();
    }
  };

  /** Every answer is a Response built here; its status is copied to `set` so access logs and metrics see it. */
  const answer = async ({ request, set }: { request: Request; set: { status?: number | string } }) => {
    let response: Response;
    try {
      response = await handle(request);
    } catch (error) {
      ctx.log.error({ err: error }, "MCP request failed");
      response = jsonRpcRefusal(500, "Internal error", {}, -32603);
    }
    set.status = response.status;
    return response;
  };

  return new Elysia({ name: "mcp" })
    .post("/api/mcp", answer, { parse: "none", detail })
    .get("/api/mcp", answer, { detail: { ...detail, hide: true } })
    .delete("/api/mcp", answer, { detail: { ...detail, hide: true } });
};
