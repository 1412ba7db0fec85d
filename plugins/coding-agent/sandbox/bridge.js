// Runs inside a local sandbox (Bun, started by bubblewrap), which has no network but its own loopback:
//   - the agent's HTTP server (127.0.0.1:$CRITIQUE_AGENT_PORT) is offered to the host on $CRITIQUE_BRIDGE_DIR/agent.sock;
//   - the host's Inference API (/run/critique/inference.sock) is offered to the agent on 127.0.0.1:$CRITIQUE_INFERENCE_PORT.
// Then it starts the agent ($CRITIQUE_AGENT_COMMAND, a JSON array) and exits with it. Kept dependency-free: it is
// copied as is.
const agentPort = Number(process.env.CRITIQUE_AGENT_PORT);
const inferencePort = Number(process.env.CRITIQUE_INFERENCE_PORT);
const dir = process.env.CRITIQUE_BRIDGE_DIR ?? "/run/critique";

function forward(request, target, unix) {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  headers.delete("host");
  return fetch(`${target}${url.pathname}${url.search}`, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
    signal: request.signal,
    redirect: "manual",
    ...(unix ? { unix } : {}),
  }).catch((error) => new Response(JSON.stringify({ error: `bridge: ${error.message}` }), { status: 502, headers: { "content-type": "application/json" } }));
}

Bun.serve({ hostname: "127.0.0.1", port: inferencePort, idleTimeout: 0, fetch: (request) => forward(request, "http://critique", `${dir}/inference.sock`) });

const command = JSON.parse(process.env.CRITIQUE_AGENT_COMMAND);
// The agent sees none of the bridge's own settings.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "BUN_BE_BUN" && !name.startsWith("CRITIQUE_")));
const agent = Bun.spawn(command, { env, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => agent.kill(signal));

// Listen on the socket last: the host takes its appearance as "the bridge is up".
Bun.serve({ unix: `${dir}/agent.sock.tmp`, idleTimeout: 0, fetch: (request) => forward(request, `http://127.0.0.1:${agentPort}`) });
require("node:fs").renameSync(`${dir}/agent.sock.tmp`, `${dir}/agent.sock`);

agent.exited.then((code) => process.exit(code));
