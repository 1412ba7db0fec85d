import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One registry per app instance, so tests running several apps in one process do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({ name: "critique_http_requests_total", help: "HTTP requests by route and status", labelNames: ["method", "route", "status"], registers: [registry] }),
    httpDuration: new Histogram({
      name: "critique_http_request_duration_seconds",
      help: "HTTP request latency by route",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    jobs: new Gauge({ name: "critique_jobs", help: "Jobs by name and state (from the database)", labelNames: ["name", "status"], registers: [registry] }),
    queueDepth: new Gauge({ name: "critique_queue_depth", help: "Jobs waiting to run", registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
