import { afterAll, expect, test } from "bun:test";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createBackends } from "./helpers/databases.ts";
import { testQueue } from "./helpers/env.ts";
import { serveProcesses, waitFor } from "./helpers/jobs.ts";

/**
 * Shutdown with Redis gone (issue 19): SIGTERM must end the process within its shutdown timeout plus a short grace,
 * not hang on a queue that cannot answer (it took 105 s and a SIGKILL). Redis is reached through a proxy this test
 * cuts once the server is up.
 */
const servers = serveProcesses();
afterAll(() => servers.killAll());

function redisProxy(): Promise<{ port: number; cut: () => void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(6379, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as { port: number }).port,
        cut: () => {
          server.close();
          for (const s of sockets) s.destroy();
        },
      }),
    ),
  );
}

test.if(testQueue === "redis")("SIGTERM with Redis unreachable exits within the shutdown timeout plus grace", async () => {
  const backends = await createBackends();
  const proxy = await redisProxy();
  try {
    const server = await servers.spawn({ ...backends.env, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, CRITIQUE_SHUTDOWN_TIMEOUT_MS: "1000", CRITIQUE_LOG_LEVEL: "info" });
    proxy.cut();
    await Bun.sleep(500);
    const started = Date.now();
    const code = await server.signal("SIGTERM");
    expect(Date.now() - started).toBeLessThan(15_000);
    // Either the queue gave up by itself (0) or the deadline ended it (1, saying why).
    if (code !== 0) {
      expect(code).toBe(1);
      // The pipe may still hold the last lines when the exit is seen: wait for the line (bounded).
      await waitFor("the deadline's log line", () => server.logs().includes("shutdown did not finish in time"), 5_000);
    }
  } finally {
    await backends.dispose();
  }
}, 60_000);
