import { createKey } from "../../src/auth/keys.ts";
import type { Scope } from "../../src/auth/scopes.ts";
import { loadConfig } from "../../src/config/index.ts";
import { type RunningServer, startServer } from "../../src/runtime.ts";
import { createBackends, type TestBackends } from "./databases.ts";

export interface TestServer {
  url: string;
  server: RunningServer;
  backends: TestBackends;
  env: Record<string, string>;
  /** Mints a key for `user` (default "alice") with exactly these scopes. */
  key(scopes: Scope[], user?: string, opts?: { expiresAt?: Date }): Promise<string>;
  /** fetch against the server; `key` adds the bearer header, objects in `json` are sent as JSON. */
  request(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the real app in this process on a free port against fresh real backends. */
export async function startTestServer(extraEnv: Record<string, string> = {}): Promise<TestServer> {
  const backends = await createBackends();
  const env = { PORT: "0", HOST: "127.0.0.1", CRITIQUE_LOG_LEVEL: process.env.CRITIQUE_TEST_LOG_LEVEL ?? "silent", ...backends.env, ...extraEnv };
  const server = await startServer(loadConfig(env));
  const url = server.url;
  return {
    url,
    server,
    backends,
    env,
    key: async (scopes, user = "alice", opts = {}) => (await createKey(server.ctx, { name: `test-${scopes.join("+") || "none"}`, user, scopes, expiresAt: opts.expiresAt })).key,
    request: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.key) headers.set("authorization", `Bearer ${init.key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${url}${path}`, { ...init, headers, body });
    },
    stop: async () => {
      await server.stop();
      await backends.dispose();
    },
  };
}
