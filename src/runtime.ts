import { mkdirSync } from "node:fs";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./config/index.ts";
import type { AppContext } from "./context.ts";
import { openDatabase } from "./db/client.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics } from "./ops/metrics.ts";
import { plugins } from "../plugins/index.ts";

/**
 * Builds everything a command needs from the config: database (migrated), context, and, for `serve`, the app.
 * The CLI and the test harness both start the server through here, so tests exercise the real wiring.
 */
export async function createContext(config: Config, log: Logger = createLogger(config.env.CRITIQUE_LOG_LEVEL)): Promise<AppContext> {
  if (config.database.dialect === "sqlite") mkdirSync(config.dataDir, { recursive: true });
  const database = openDatabase(config.database);
  await database.migrate();
  return { config, database, db: database.db, tables: database.tables, log };
}

export interface RunningServer {
  url: string;
  port: number;
  ctx: AppContext;
  /** Stops taking requests and work, drains running jobs up to the timeout, closes connections. */
  stop(): Promise<void>;
}

export async function startServer(config: Config = loadConfig(), log?: Logger): Promise<RunningServer> {
  const ctx = await createContext(config, log);
  const metrics = createMetrics();
  const app = createApp(ctx, { metrics, readiness: [], beforeScrape: async () => {}, plugins: plugins(ctx) });
  const server = Bun.serve({ port: config.port, hostname: config.host, fetch: app.fetch, idleTimeout: 120 });
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`;
  ctx.log.info({ url, database: config.database.dialect }, "critique listening");
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: server.port ?? config.port,
    ctx,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        await ctx.database.close();
        ctx.log.flush?.();
      })()),
  };
}
