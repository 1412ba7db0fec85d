import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One registry per app instance, so tests running several apps in one process do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  const http = new HttpFigures(registry);
  return {
    registry,
    /** Counts one HTTP request and its duration (see HttpFigures). */
    recordHttp: (method: string, route: string, status: number, seconds: number) => http.record(method, route, status, seconds),
    jobs: new Gauge({ name: "critique_jobs", help: "Jobs by name and state (from the database)", labelNames: ["name", "status"], registers: [registry] }),
    queueDepth: new Gauge({ name: "critique_queue_depth", help: "Jobs waiting to run", registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Per-request HTTP figures wait in a plain array and reach prom-client in one batch: when the registry is scraped
 * (the metrics' `collect`), or once `MAX_PENDING` requests are waiting. prom-client hashes the labels and searches
 * the buckets on every call; done cold after each proxied request that cost a measurable share of the Inference
 * API's added latency on a 2-core box (bench/inference.ts), and batched it is a fraction of that.
 */
const MAX_PENDING = 4096;

class HttpFigures {
  readonly #requests: Counter<"method" | "route" | "status">;
  readonly #duration: Histogram<"method" | "route">;
  #pending: { method: string; route: string; status: number; seconds: number }[] = [];

  constructor(registry: Registry) {
    this.#requests = new Counter({
      name: "critique_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
      collect: () => this.drain(),
    });
    this.#duration = new Histogram({
      name: "critique_http_request_duration_seconds",
      help: "HTTP request latency by route",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
      collect: () => this.drain(),
    });
  }

  record(method: string, route: string, status: number, seconds: number): void {
    this.#pending.push({ method, route, status, seconds });
    if (this.#pending.length >= MAX_PENDING) this.drain();
  }

  drain(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    const counts = new Map<string, { labels: { method: string; route: string; status: number }; n: number }>();
    for (const { method, route, status, seconds } of pending) {
      const key = `${method} ${route} ${status}`;
      const entry = counts.get(key);
      if (entry) entry.n++;
      else counts.set(key, { labels: { method, route, status }, n: 1 });
      this.#duration.observe({ method, route }, seconds);
    }
    for (const { labels, n } of counts.values()) this.#requests.inc(labels, n);
  }
}
