import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { createKey } from "../../src/auth/keys.ts";
import type { AppContext } from "../../src/context.ts";
import { grantCredits } from "../../src/credits/index.ts";
import { AgentUpstream } from "../fakes/agent-upstream.ts";
import { createBackends, type TestBackends } from "../helpers/databases.ts";
import { legName } from "../helpers/env.ts";
import { closeContext, jobContext, serveProcesses, waitFor } from "../helpers/jobs.ts";

/**
 * kill -9 of `critique serve` mid-turn: the sandbox dies with it, and after a restart the run ends FAILED with that
 * reason (never stuck), its sandbox hold settled once and its key revoked, whichever queue driver carries the turn.
 */
let backends: TestBackends;
let ctx: AppContext; // not a worker: reads rows and mints the key
let env: Record<string, string>;
let key: string;
const upstream = AgentUpstream.start();
const servers = serveProcesses();

beforeAll(async () => {
  backends = await createBackends();
  const dir = mkdtempSync(join(tmpdir(), "critique-agent-kill-"));
  const config = join(dir, "critique.yaml");
  writeFileSync(config, Bun.YAML.stringify({ providers: [{ id: "agent", baseUrl: upstream.fake.baseURL }], models: [{ id: "coder", targets: [{ provider: "agent", model: "up" }] }], codingAgent: { sandboxPricePerMinute: 1 } }));
  env = { ...backends.env, CRITIQUE_CONFIG: config, CRITIQUE_JOB_LEASE_MS: "1500", CRITIQUE_JOB_POLL_MS: "100", CRITIQUE_LOG_LEVEL: "info" };
  ctx = await jobContext(backends, { ...env, CRITIQUE_LOG_LEVEL: "silent" });
  const created = await createKey(ctx, { name: "agent", user: "alice", scopes: ["read:builder", "write:builder"] });
  await grantCredits(ctx, { userId: (await ctx.db.select().from(ctx.tables.users).where(eq(ctx.tables.users.name, "alice")))[0].id, amount: 100_000_000 });
  key = created.key;
});
afterAll(async () => {
  await servers.killAll();
  upstream.stop();
  await closeContext(ctx);
  await backends.dispose();
});

const runRow = async (id: string) => (await ctx.db.select().from(ctx.tables.codingAgentRuns).where(eq(ctx.tables.codingAgentRuns.id, id)))[0];
const sandboxProcesses = (runId: string) => Bun.spawnSync(["pgrep", "-f", runId]).stdout.toString().trim();

test(`a run whose server is SIGKILLed mid-turn ends FAILED after the restart, settled once (${legName})`, async () => {
  const first = await servers.spawn(env);
  upstream.script({ tool: "write", filePath: "/workspace/a.txt", content: "a\n" }, { wait: 60_000 });
  const res = await fetch(`${first.url}/api/v1/coding-agent/runs`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ prompt: "Work slowly" }) });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as any).run.id;
  await waitFor("the turn to be in its slow model call", async () => (await runRow(id)).status === "RUNNING" && upstream.agentRequests.length >= 2, 30_000);

  expect(await first.signal("SIGKILL")).toBeNull();
  // bwrap --die-with-parent: the sandbox (bridge and OpenCode) goes with the server.
  await waitFor("the sandbox processes to exit", () => sandboxProcesses(id) === "", 10_000);
  expect((await runRow(id)).status).toBe("RUNNING");

  await servers.spawn(env);
  // The end event is the last thing an ending writes (after the settlement and the key's revocation).
  const events = await waitFor("the run's end event after the restart", async () => {
    const rows = await ctx.db.select().from(ctx.tables.codingAgentEvents).where(eq(ctx.tables.codingAgentEvents.runId, id));
    return rows.some((e) => e.type === "end") && rows;
  }, 30_000);
  expect(events.filter((e) => e.type === "end")).toHaveLength(1);
  const ended = await runRow(id);
  expect(ended.sandboxCost).not.toBeNull();
  expect(ended.status).toBe("FAILED");
  expect(ended.failureReason).toMatch(/the server stopped during turn 1/);
  const [reservation] = await ctx.db.select().from(ctx.tables.creditReservations).where(eq(ctx.tables.creditReservations.id, ended.reservationId!));
  expect(reservation.status).toBe("settled");
  const settles = await ctx.db.select().from(ctx.tables.creditLedger).where(eq(ctx.tables.creditLedger.reservationId, ended.reservationId!));
  expect(settles.map((e) => e.kind).sort()).toEqual(["reserve", "settle"]);
  const [runKey] = await ctx.db.select().from(ctx.tables.apiKeys).where(eq(ctx.tables.apiKeys.id, ended.runKeyId!));
  expect(runKey.revokedAt).not.toBeNull();
  // What the killed process left on disk is removed by the process that ended the run.
  expect(existsSync(join(backends.dataDir, "coding-agent", id))).toBe(false);
}, 90_000);
