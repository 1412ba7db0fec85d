import { Elysia } from "elysia";
import type { AppContext } from "../context.ts";
import type { Metrics } from "../ops/metrics.ts";

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /** Reported, but does not make the server "not ready" (an optional capability, e.g. a sandbox provider). */
  informational?: boolean;
}

/** /healthz: the process answers. /readyz: its dependencies answer. /metrics: Prometheus text. */
export const opsRoutes = (ctx: AppContext, metrics: Metrics, checks: ReadinessCheck[], beforeScrape: () => Promise<void>) =>
  new Elysia({ name: "ops" })
    .get("/healthz", () => ({ status: "ok" }), { detail: { tags: ["Operations"], summary: "Liveness" } })
    .get(
      "/readyz",
      async ({ set }) => {
        const results: Record<string, string> = {};
        let ready = true;
        for (const { name, check, informational } of [{ name: "database", check: () => ctx.database.ping() }, ...checks]) {
          try {
            await withTimeout(check(), 2_000);
            results[name] = "ok";
          } catch (error) {
            if (!informational) ready = false;
            results[name] = `error: ${(error as Error).message}`;
          }
        }
        set.status = ready ? 200 : 503;
        return { status: ready ? "ready" : "not ready", checks: results };
      },
      { detail: { tags: ["Operations"], summary: "Readiness (database and, when configured, Redis)" } },
    )
    .get(
      "/metrics",
      async ({ set }) => {
        await beforeScrape().catch((error) => ctx.log.warn({ err: error }, "metrics refresh failed"));
        set.headers["content-type"] = metrics.registry.contentType;
        return metrics.registry.metrics();
      },
      { detail: { tags: ["Operations"], summary: "Prometheus metrics" } },
    );

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref?.())]);
}
