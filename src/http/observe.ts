import { Elysia } from "elysia";
import { accessLogger, type Logger } from "../log.ts";
import type { Metrics } from "../ops/metrics.ts";
import { NO_STORE } from "./errors.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const startTimes = new WeakMap<Request, number>();

/**
 * Request id (echoed from `x-request-id` when sane, generated otherwise) on every response and log line;
 * `Cache-Control: no-store` on every API response; access log and Prometheus figures per route template.
 * Done in onRequest so that unknown routes and parse failures get them too.
 */
export const observe = (log: Logger, metrics: Metrics) => {
  const access = accessLogger(log);
  return new Elysia({ name: "observe" })
    .onRequest(({ request, set }) => {
      startTimes.set(request, performance.now());
      const incoming = request.headers.get("x-request-id");
      set.headers["x-request-id"] = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      const path = request.url.slice(request.url.indexOf("/", 8));
      if (path.startsWith("/api/")) set.headers["cache-control"] = NO_STORE;
    })
    .onAfterResponse({ as: "global" }, ({ request, set, route, responseValue }) => {
      const startedAt = startTimes.get(request);
      // Routes that build their own Response (the Inference API, MCP) carry the status in it, not in `set`.
      const status = responseValue instanceof Response ? responseValue.status : typeof set.status === "number" ? set.status : 200;
      const seconds = startedAt === undefined ? 0 : (performance.now() - startedAt) / 1000;
      const template = route || "unmatched";
      metrics.recordHttp(request.method, template, status, seconds);
      if (access.isLevelEnabled("info")) {
        access.info({ requestId: set.headers["x-request-id"], method: request.method, route: template, status, ms: Math.round(seconds * 1e4) / 10 }, "request");
      }
    });
};
