import { expect, test } from "bun:test";
import { createMetrics } from "../src/ops/metrics.ts";

test("HTTP figures recorded per request are all in the next scrape, counted by route and status", async () => {
  const metrics = createMetrics();
  metrics.recordHttp("GET", "/api/v1/me", 200, 0.0004);
  metrics.recordHttp("GET", "/api/v1/me", 200, 0.002);
  metrics.recordHttp("POST", "/api/v1/chat/completions", 402, 0.03);
  const text = await metrics.registry.metrics();
  expect(text).toContain('critique_http_requests_total{method="GET",route="/api/v1/me",status="200"} 2');
  expect(text).toContain('critique_http_requests_total{method="POST",route="/api/v1/chat/completions",status="402"} 1');
  expect(text).toContain('critique_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/api/v1/me"} 1');
  expect(text).toContain('critique_http_request_duration_seconds_count{method="GET",route="/api/v1/me"} 2');
  expect(text).toContain('critique_http_request_duration_seconds_sum{method="POST",route="/api/v1/chat/completions"} 0.03');
  // A second scrape counts nothing twice.
  expect(await metrics.registry.metrics()).toContain('critique_http_requests_total{method="GET",route="/api/v1/me",status="200"} 2');
});

test("figures waiting for a scrape are bounded: they reach prom-client every 4,096 requests anyway", async () => {
  const metrics = createMetrics();
  for (let i = 0; i < 4096; i++) metrics.recordHttp("GET", "/healthz", 200, 0.0001);
  // Read the counter's stored values without triggering its collect (which would drain them).
  const counter = metrics.registry.getSingleMetric("critique_http_requests_total") as unknown as { hashMap: Record<string, { value: number }> };
  expect(Object.values(counter.hashMap).map((v) => v.value)).toEqual([4096]);
});
