import { mkdirSync } from "node:fs";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./config/index.ts";
import type { AppContext } from "./context.ts";
import { openDatabase } from "./db/client.ts";
import { refreshJobMetrics } from "./jobs/metrics.ts";
import { JobScheduler } from "./jobs/scheduler.ts";
import { systemJobs } from "./jobs/system.ts";
import { createLogger, type Logger } from "./log.ts";
import { Hooks } from "./hooks.ts";
import { createModelRegistry } from "./models/index.ts";
import { createMetrics } from "./ops/metrics.ts";
import { openSecrets } from "./secrets/index.ts";
import { plugins } from "../plugins/index.ts";

/**
 * Builds everything a command needs from the config: database (migrated), context, and, for `serve`, the app.
 * The CLI and the test harness both start the server through here, so tests exercise the real wiring.
 */
export async function createContext(config: Config, log: Logger = createLogger(config.env.CRITIQUE_LOG_LEVEL)): Promise<AppContext> {
  if (config.database.dialect === "sqlite") mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase(config.database);
  await database.migrate();
  try {
    // A wrong encryption key stops start-up here, before anything could read or write a secret.
    const secrets = await openSecrets(config, database, log);
    const jobs = new JobScheduler(config, database, log).register(...systemJobs);
    const models = createModelRegistry(config, log);
    // Octokit weighs ~12 MB: loaded only when a GitHub App is configured.
    const github = config.env.CRITIQUE_GITHUB_APP_ID ? (await import("./github/app.ts")).createGitHubApp(config, log.child({ component: "github" })) : undefined;
    return { config, database, db: database.db, tables: database.tables, log, secrets, jobs, models, github, hooks: new Hooks(log), readiness: [], closers: [] };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Stops job workers (draining running jobs up to `drainMs`), then closes the queue and the database. */
export async function closeContext(ctx: AppContext, drainMs = 0): Promise<void> {
  await ctx.jobs.stop(drainMs);
  await Promise.allSettled(ctx.closers.splice(0).map((close) => close()));
  await ctx.database.close();
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
  // Surfaces first: mounting one may add readiness checks.
  const surfaces = plugins(ctx);
  const app = createApp(ctx, { metrics, readiness: [...ctx.jobs.readiness(), ...ctx.readiness], beforeScrape: () => refreshJobMetrics(ctx, metrics), plugins: surfaces });
  // listen(), not Bun.serve({ fetch: app.fetch }): it hands the routes to Bun's native router.
  app.listen({ port: config.port, hostname: config.host, idleTimeout: 120, reusePort: false, development: false });
  const server = app.server!;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`;
  ctx.selfUrl = url;
  // Plugins registered their job types above: only now can this process run them.
  ctx.jobs.start(ctx);
  // The allocator setting explains resident memory that stays up after a burst (src/cli/allocator.ts).
  ctx.log.info({ url, database: config.database.dialect, mimallocPurgeDelay: config.env.MIMALLOC_PURGE_DELAY ?? "default" }, "critique listening");
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: server.port ?? config.port,
    ctx,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        await closeContext(ctx, config.env.CRITIQUE_SHUTDOWN_TIMEOUT_MS);
        ctx.log.flush?.();
      })()),
  };
}
