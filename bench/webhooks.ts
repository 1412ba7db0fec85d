#!/usr/bin/env bun
/**
 * Outbound webhook throughput: E lifecycle events fanned out to 100 endpoints on loopback (100 receivers, one
 * port each), so E×100 deliveries, each a job, a signed POST over a fresh connection to the checked address, and
 * its attempt recorded. Measured from the first publish to the last delivery row `delivered`, with workers
 * running while events are published. "Lost" counts deliveries a receiver never saw; "duplicates" counts
 * repeats of an id (none are expected without crashes).
 *
 *   bun bench/webhooks.ts [--events 50] [--endpoints 100] [--concurrency 8,32] [--legs local-sqlite,redis-pg]
 */
import { parseArgs } from "node:util";
import { count, eq } from "drizzle-orm";
import { grantInstallation } from "../src/github/installations.ts";
import { createEndpoint } from "../plugins/webhooks/endpoints.ts";
import { publishLifecycleEvent } from "../plugins/webhooks/index.ts";
import { ensureUser } from "../src/auth/users.ts";
import type { AppContext } from "../src/context.ts";
import { closeContext } from "../src/runtime.ts";
import { webhookDeliveryJob } from "../src/webhooks/index.ts";
import { type Leg, legs, openLeg } from "./jobs-backends.ts";

const { values: options } = parseArgs({
  options: {
    events: { type: "string", default: "50" },
    endpoints: { type: "string", default: "100" },
    concurrency: { type: "string", default: "8,32" },
    legs: { type: "string", default: "local-sqlite,redis-pg" },
  },
});
const EVENTS = Number(options.events);
const ENDPOINTS = Number(options.endpoints);
const SECRET = "bench-secret-0123456789-0123456789-abcdef";

function startReceivers(n: number) {
  const seen: Map<string, number>[] = [];
  const servers = Array.from({ length: n }, (_, i) => {
    seen[i] = new Map();
    return Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        await request.arrayBuffer();
        const id = request.headers.get("x-critique-webhook-id") ?? "";
        seen[i].set(id, (seen[i].get(id) ?? 0) + 1);
        return new Response(null, { status: 204 });
      },
    });
  });
  return { urls: servers.map((s) => `http://127.0.0.1:${s.port}/hook`), seen, stop: () => {
      for (const s of servers) s.stop(true);
    },
  };
}

async function delivered(ctx: AppContext): Promise<number> {
  const t = ctx.tables.webhookDeliveries;
  const [row] = await ctx.db.select({ n: count() }).from(t).where(eq(t.status, "delivered"));
  return Number(row.n);
}

async function measure(leg: Leg, concurrency: string): Promise<Record<string, string>> {
  const backend = await openLeg(leg, { CRITIQUE_JOB_CONCURRENCY: concurrency, CRITIQUE_WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8", CRITIQUE_JOB_POLL_MS: "50" });
  const receivers = startReceivers(ENDPOINTS);
  try {
    const ctx = await backend.context();
    ctx.jobs.register(webhookDeliveryJob);
    const user = await ensureUser(ctx, "bench");
    await grantInstallation(ctx, "1", user.id);
    const principal = { userId: user.id, userName: "bench", keyId: "bench", scopes: ["manage:webhooks"] };
    for (const url of receivers.urls) await createEndpoint({ ...ctx, principal }, { url, secret: SECRET, events: ["checkpoint.gate.evaluated"] });
    ctx.jobs.start(ctx);
    const expected = EVENTS * ENDPOINTS;
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      await publishLifecycleEvent(ctx, { event: "checkpoint.gate.evaluated", installationId: "1", repository: "bench/repo", occurrence: `e${i}`, payload: { event: "checkpoint.gate.evaluated", i, outcome: "pass" } });
    }
    const published = performance.now() - t0;
    const deadline = Date.now() + 10 * 60_000;
    while ((await delivered(ctx)) < expected && Date.now() < deadline) await Bun.sleep(20);
    const seconds = (performance.now() - t0) / 1000;
    const received = receivers.seen.reduce((sum, m) => sum + [...m.values()].reduce((a, b) => a + b, 0), 0);
    const unique = receivers.seen.reduce((sum, m) => sum + m.size, 0);
    const a = ctx.tables.webhookAttempts;
    const [attempts] = await ctx.db.select({ n: count() }).from(a);
    await closeContext(ctx, 5_000);
    return {
      deliveries: String(expected),
      "publish (fan-out) time": `${(published / 1000).toFixed(2)} s`,
      "all delivered after": `${seconds.toFixed(2)} s`,
      "deliveries/s": (unique / seconds).toFixed(0),
      "attempts recorded": String(Number(attempts.n)),
      lost: String(expected - unique),
      duplicates: String(received - unique),
    };
  } finally {
    receivers.stop();
    await backend.dispose();
  }
}

const results: Record<string, Record<string, string>> = {};
for (const leg of legs.filter((l) => options.legs.split(",").includes(l.name))) {
  for (const concurrency of options.concurrency.split(",")) {
    const label = `${leg.label} c=${concurrency}`;
    process.stderr.write(`running ${label}…\n`);
    results[label] = await measure(leg, concurrency).catch((error) => ({ error: String(error?.message ?? error) }));
  }
}
const rows = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))];
const columns = Object.keys(results);
const width = Math.max(...rows.map((r) => r.length)) + 2;
const colWidth = Math.max(14, ...columns.map((c) => c.length + 2));
console.log(`\nwebhooks: ${EVENTS} events × ${ENDPOINTS} loopback endpoints; worker concurrency c; Bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs`);
console.log("".padEnd(width) + columns.map((c) => c.padStart(colWidth)).join(""));
for (const row of rows) console.log(row.padEnd(width) + columns.map((c) => (results[c][row] ?? "-").padStart(colWidth)).join(""));
