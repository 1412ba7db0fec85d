import type { AppContext } from "../../../src/context.ts";

/** The routes a sandbox may reach: the Inference API, with the run's own key. Nothing else of the server. */
const ALLOWED = new Set(["/api/v1/chat/completions", "/api/v1/models"]);

/**
 * The host end of a sandbox's way out: a Unix socket in the sandbox's socket directory that forwards Inference
 * API requests to this server's own HTTP listener (so they pass through the same auth, metering and usage log).
 */
export function inferenceProxy(ctx: AppContext, socketPath: string): { stop(): void } {
  const server = Bun.serve({
    unix: socketPath,
    fetch(request) {
      const url = new URL(request.url);
      if (!ALLOWED.has(url.pathname)) return Response.json({ error: `Not reachable from a sandbox: ${url.pathname}` }, { status: 404 });
      const target = ctx.selfUrl;
      if (!target) return Response.json({ error: "The server is not listening yet" }, { status: 503 });
      const headers = new Headers(request.headers);
      headers.delete("host");
      return fetch(`${target}${url.pathname}${url.search}`, { method: request.method, headers, body: request.body, signal: request.signal, redirect: "manual" });
    },
  });
  return { stop: () => void server.stop(true) };
}

/** A TCP port free on this machine's loopback right now (unsandboxed agents share the host's network). */
export async function freeLoopbackPort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}
