#!/usr/bin/env bun
/**
 * The floor for bench/inference.ts: a bare pass-through proxy on Bun (Bun.serve + fetch, no auth, no metering, the
 * upstream's body streamed back as is). What it adds over the upstream is what any gateway on this runtime and
 * machine adds at least; the issue calls it "the limit to approach".
 *   bun bench/bun-proxy.ts <port> <upstream origin>
 */
const [proxyPort, upstream] = [Number(process.argv[2] ?? 0), process.argv[3] ?? ""];
const proxy = Bun.serve({
  port: proxyPort,
  hostname: "127.0.0.1",
  async fetch(request) {
    const url = new URL(request.url);
    const headers = { "content-type": request.headers.get("content-type") ?? "application/json", authorization: request.headers.get("authorization") ?? "" };
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.text();
    const answer = await fetch(`${upstream}${url.pathname}`, { method: request.method, headers, body });
    return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.headers.get("content-type") ?? "application/json" } });
  },
});
console.log(proxy.port);
