import { Elysia } from "elysia";
import { accountRoutes } from "./account/routes.ts";
import type { AppContext } from "./context.ts";
import { creditRoutes } from "./credits/routes.ts";
import { errorHandler } from "./http/errors.ts";
import { observe } from "./http/observe.ts";
import { apiDocs } from "./http/openapi.ts";
import { opsRoutes, type ReadinessCheck } from "./http/ops.ts";
import { jobRoutes } from "./jobs/routes.ts";
import type { Metrics } from "./ops/metrics.ts";

export interface AppOptions {
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** Refreshes gauges that are read from the database (job counts) just before a scrape. */
  beforeScrape: () => Promise<void>;
  /** Surfaces (plugins) mounted under the core; each is a named Elysia instance. */
  plugins: Elysia<any, any, any, any, any, any, any>[];
}

/** Assembles the HTTP app: cross-cutting concerns first, then the core routes, then each surface. */
export function createApp(ctx: AppContext, options: AppOptions) {
  const app = new Elysia({ name: "critique" })
    .use(observe(ctx.log, options.metrics))
    .use(errorHandler(ctx.log))
    .use(apiDocs())
    .use(opsRoutes(ctx, options.metrics, options.readiness, options.beforeScrape))
    .use(accountRoutes(ctx))
    .use(creditRoutes(ctx))
    .use(jobRoutes(ctx));
  for (const plugin of options.plugins) app.use(plugin);
  return app;
}

export type App = ReturnType<typeof createApp>;
