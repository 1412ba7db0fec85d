import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { eventsAfter } from "../../plugins/coding-agent/events.ts";
import type { Scope } from "../../src/auth/scopes.ts";
import { AGENT_PRICES, type CodingAgentHarness, startCodingAgent } from "../helpers/coding-agent.ts";
import { waitFor } from "../helpers/jobs.ts";
import { type ProtectedRoute, securitySuite } from "../helpers/security.ts";

// The Coding Agent API's routes over HTTP: the real server, a fake GitHub (acme/widgets on installation 501, granted
// to alice) and a scripted model upstream. One run of alice's goes IDLE in beforeAll and serves every `:id` route;
// every other run is cancelled by the test that starts it and waited on until its `end` event, so between tests no
// run but that IDLE one is alive (and nothing else can take a scripted model step).

const RUNS = "/api/v1/coding-agent/runs";
const ENDED = ["COMPLETED", "FAILED", "CANCELLED", "EXPIRED"];
/** Bounds for what a run does in the background (a sandbox boots OpenCode: seconds, more on a loaded machine)… */
const RUN_WAIT_MS = 45_000;
/** …and for tests and hooks that start runs. */
const SLOW = 150_000;

let h: CodingAgentHarness;
/** read:builder + write:builder keys for alice (who controls installation 501) and bob (who controls nothing). */
let alice: string;
let bob: string;
/** Alice's run on acme/widgets: one turn that changed src/hello.txt, then IDLE (warm for ten minutes). */
let idleRun: any;

beforeAll(async () => {
  h = await startCodingAgent({ codingAgent: { idleTtlSeconds: 600 } });
  alice = await h.server.key(["read:builder", "write:builder"]);
  bob = await h.server.key(["read:builder", "write:builder"], "bob");
  h.upstream.script(
    { tool: "read", filePath: "/workspace/src/hello.txt" },
    { tool: "edit", filePath: "/workspace/src/hello.txt", oldString: "hello world", newString: "hello there" },
    { say: "Changed the greeting." },
  );
  const { res, body } = await h.createRun(alice, { prompt: "Change the greeting", repository: h.repo });
  if (res.status !== 202) throw new Error(`the IDLE run could not start: ${res.status} ${JSON.stringify(body)}`);
  idleRun = await h.waitStatus(alice, body.run.id, ["IDLE", ...ENDED], RUN_WAIT_MS);
  if (idleRun.status !== "IDLE") throw new Error(`the IDLE run ended ${idleRun.status}: ${idleRun.failureReason}`);
  if (h.upstream.pending !== 0) throw new Error(`the IDLE run left ${h.upstream.pending} scripted steps unused`);
}, SLOW);
afterAll(() => h.stop());

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const ctx = () => h.server.server.ctx;
const post = (json: unknown, key = alice, headers: Record<string, string> = {}) => h.server.request(RUNS, { method: "POST", key, json, headers });
const get = (path: string, key = alice, headers: Record<string, string> = {}) => h.server.request(path, { key, headers });
const message = (id: string, json: unknown, key = alice) => h.server.request(`${RUNS}/${id}/messages`, { method: "POST", key, json });
const cancel = (id: string, key = alice) => h.server.request(`${RUNS}/${id}/cancel`, { method: "POST", key });

/** Asserts the error envelope (status, `{ error }`, no-store, a request id) and returns the message. */
async function errorOf(res: Response, status: number): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error).toBe("string");
  return body.error;
}

/** Rows a created run leaves behind: the run, its sandbox-time hold and its inference key. */
async function footprint() {
  const { codingAgentRuns, creditReservations, apiKeys } = ctx().tables;
  const rows = async (table: any): Promise<number> => (await ctx().db.select({ n: count() }).from(table))[0].n;
  return { runs: await rows(codingAgentRuns), reservations: await rows(creditReservations), keys: await rows(apiKeys) };
}

/** Sends a request that must be refused, and checks that it created nothing at all. */
async function refused(send: () => Promise<Response>, status: number): Promise<string> {
  const before = await footprint();
  const error = await errorOf(await send(), status);
  expect(await footprint()).toEqual(before);
  return error;
}

/** Waits (bounded) for the run's `end` event: the run is settled and nothing of it runs any more. */
async function ended(id: string) {
  try {
    return await waitFor(`run ${id} to end`, async () => (await eventsAfter(ctx(), id, 0)).find((e) => e.type === "end"), RUN_WAIT_MS);
  } catch (error) {
    const events = (await eventsAfter(ctx(), id, 0)).map((e) => `${e.seq} ${e.type} ${JSON.stringify(e.data)}`);
    throw new Error(`${(error as Error).message}; its events: ${events.join(" | ")}`);
  }
}

/**
 * Cancels a run and waits for it to end. It first waits for the turn to pick the run up: a cancel that lands while
 * the first turn is taking the run out of QUEUED leaves the run CANCELLED but never ended (see the report on
 * plugins/coding-agent/turn.ts), so these helpers stay clear of that moment.
 */
async function cancelAndEnd(id: string, key = alice) {
  await waitFor(`run ${id} to leave QUEUED`, async () => (await h.getRun(key, id)).status !== "QUEUED", RUN_WAIT_MS);
  const res = await cancel(id, key);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(JSON.parse(text).run).toMatchObject({ id, status: "CANCELLED", failureReason: "cancelled through the API" });
  return ended(id);
}

/** Starts a run and cancels it; returns the run as created, once it has ended. */
async function cancelledRun(body: Record<string, unknown> = { prompt: "Never mind" }, key = alice) {
  const { res, body: created } = await h.createRun(key, body);
  expect(res.status, JSON.stringify(created)).toBe(202);
  await cancelAndEnd(created.run.id, key);
  return created.run;
}

interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/** Reads a stream that must end by itself (the run has ended), bounded. */
async function readStream(id: string, headers: Record<string, string> = {}, query = ""): Promise<{ res: Response; events: SseEvent[] }> {
  const res = await h.server.request(`${RUNS}/${id}/stream${query}`, { key: alice, headers, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  const events = text
    .split("\n\n")
    .filter((block) => block.startsWith("id: "))
    .map((block) => {
      const field = (name: string) => block.split("\n").find((line) => line.startsWith(`${name}: `))!.slice(name.length + 2);
      return { id: Number(field("id")), event: field("event"), data: JSON.parse(field("data")) };
    });
  return { res, events };
}

/**
 * A route on alice's IDLE run for securitySuite: the path is read when each generated test runs (the run exists
 * only after beforeAll), so a route that skipped its auth check would answer for a real run, not a 404.
 */
function onIdleRun(method: string, suffix: string, scope: Scope, json?: unknown): ProtectedRoute {
  return {
    method,
    scope,
    json,
    get path() {
      return `${RUNS}/${idleRun?.id ?? ":id"}${suffix}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------

describe("POST /api/v1/coding-agent/runs", () => {
  test("starts a run: 202 with the run as queued, with the limits and metadata asked for", async () => {
    const { res, body } = await h.createRun(alice, { prompt: "Write a haiku", model: "other", limits: { maxMinutes: 5, maxTurns: 3 }, metadata: { ticket: "W-1" } });
    expect(res.status).toBe(202);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(Object.keys(body)).toEqual(["run"]);
    const base = `${h.server.server.ctx.config.publicUrl}${RUNS}/${body.run.id}`;
    expect(body.run).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      object: "coding_agent.run",
      status: "QUEUED",
      model: "other",
      billing: "credits",
      provider: "local",
      repository: null,
      ref: null,
      baseSha: null,
      turns: 0,
      summary: null,
      diffstat: null,
      patchUrl: null,
      branch: null,
      commitSha: null,
      pullRequestUrl: null,
      pullRequestNumber: null,
      creditsUsed: 0,
      limits: { maxMinutes: 5, maxCredits: 10, maxTurns: 3 },
      failureReason: null,
      metadata: { ticket: "W-1" },
      urls: { run: base, stream: `${base}/stream`, patch: `${base}/patch`, messages: `${base}/messages` },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      startedAt: null,
      idleUntil: null,
      completedAt: null,
    });
    await cancelAndEnd(body.run.id);
  }, SLOW);

  describe("bad input is a 4xx naming the field, and creates nothing", () => {
    test("a missing prompt is 422", async () => {
      expect(await refused(() => post({ repository: h.repo }), 422)).toBe("prompt: is required (what the agent should do)");
    });

    test("an empty or whitespace-only prompt is 422", async () => {
      for (const prompt of ["", "   \n\t"]) expect(await refused(() => post({ prompt }), 422)).toBe("prompt: must not be empty");
    });

    test("a prompt over 100,000 characters is 422; exactly 100,000 is accepted", async () => {
      expect(await refused(() => post({ prompt: "x".repeat(100_001) }), 422)).toBe("prompt: must be at most 100000 characters");
      const run = await cancelledRun({ prompt: "x".repeat(100_000) });
      expect(run.status).toBe("QUEUED");
    }, SLOW);

    test("an unknown model is 422 naming the model and where to find the list", async () => {
      const error = await refused(() => post({ prompt: "hi", model: "gpt-9" }), 422);
      expect(error).toMatch(/^model: unknown model "gpt-9"/);
      expect(error).toContain("GET /api/v1/coding-agent/models");
    });

    test("an unknown field is 422 naming it (the body is strict), also inside limits", async () => {
      expect(await refused(() => post({ prompt: "hi", colour: "red" }), 422)).toContain('"colour"');
      expect(await refused(() => post({ prompt: "hi", limits: { maxHours: 1 } }), 422)).toContain('"maxHours"');
    });

    test("createPullRequest or branchName without a repository is 422; so is ref", async () => {
      expect(await refused(() => post({ prompt: "hi", createPullRequest: true }), 422)).toBe("repository: is required to push a branch or open a pull request");
      expect(await refused(() => post({ prompt: "hi", branchName: "feature/x" }), 422)).toBe("repository: is required to push a branch or open a pull request");
      expect(await refused(() => post({ prompt: "hi", ref: "main" }), 422)).toBe("ref: needs a repository");
    });

    test("a repository on no installation alice controls is 404, whether GitHub knows it or not", async () => {
      expect(await refused(() => post({ prompt: "hi", repository: "someone/else" }), 404)).toBe("Repository someone/else is not on an installation of the GitHub App that you control");
      h.github.addRepo("globex/vault", { installationId: 777 });
      expect(await refused(() => post({ prompt: "hi", repository: "globex/vault", createPullRequest: true }), 404)).toBe("Repository globex/vault is not on an installation of the GitHub App that you control");
    });

    test("a malformed repository is 422", async () => {
      expect(await refused(() => post({ prompt: "hi", repository: "not-a-repo" }), 422)).toBe("repository: must be owner/repo");
    });

    test("limits above the server's are 422 naming the limit and the maximum", async () => {
      expect(await refused(() => post({ prompt: "hi", limits: { maxMinutes: 31 } }), 422)).toBe("limits.maxMinutes: at most 30 on this server");
      expect(await refused(() => post({ prompt: "hi", limits: { maxCredits: 10.5 } }), 422)).toBe("limits.maxCredits: at most 10 on this server");
      expect(await refused(() => post({ prompt: "hi", limits: { maxTurns: 21 } }), 422)).toBe("limits.maxTurns: at most 20 on this server");
      expect(await refused(() => post({ prompt: "hi", limits: { maxMinutes: 0 } }), 422)).toMatch(/^limits\.maxMinutes: /);
    });

    test('billing: "openrouter" without a stored OpenRouter key is 422 saying how to store one', async () => {
      expect(await refused(() => post({ prompt: "hi", billing: "openrouter" }), 422)).toBe(
        "billing: store your OpenRouter key first (PUT /api/v1/account/openrouter-key), or use billing: credits",
      );
      expect(await refused(() => post({ prompt: "hi", billing: "free" }), 422)).toBe("billing: must be credits or openrouter");
    });

    test("an invalid branchName is 422", async () => {
      for (const branchName of ["bad..name", "/leading", "trailing/", "has space", "x.lock", "-dash", "a@{b}"]) {
        expect(await refused(() => post({ prompt: "hi", repository: h.repo, branchName }), 422), branchName).toMatch(/^branchName: must be a valid git branch name/);
      }
    });

    test("a body that is not JSON is 400", async () => {
      const send = () => h.server.request(RUNS, { method: "POST", key: alice, headers: { "content-type": "application/json" }, body: '{"prompt": "hi"' });
      expect(await refused(send, 400)).toBe("Request body could not be parsed: send valid JSON with Content-Type: application/json");
    });

    test("a webhook to a private or cloud-metadata address is 422 naming webhook.url; a short secret too", async () => {
      const secret = "s".repeat(32);
      expect(await refused(() => post({ prompt: "hi", webhook: { url: "https://10.0.0.8/hook", secret } }), 422)).toMatch(/^webhook\.url: 10\.0\.0\.8 is a private address/);
      expect(await refused(() => post({ prompt: "hi", webhook: { url: "https://169.254.169.254/latest", secret } }), 422)).toMatch(/^webhook\.url: 169\.254\.169\.254 is a link-local/);
      expect(await refused(() => post({ prompt: "hi", webhook: { url: "https://192.168.1.1/hook", secret: "short" } }), 422)).toBe("webhook.secret: must be at least 32 characters");
    });

    test("an Idempotency-Key over 200 characters is 400", async () => {
      expect(await refused(() => post({ prompt: "hi" }, alice, { "idempotency-key": "k".repeat(201) }), 400)).toBe("Idempotency-Key: at most 200 characters");
    });
  });

  describe("Idempotency-Key", () => {
    test("the same key twice returns the same run (the second marked replayed), and only one run exists", async () => {
      const before = await footprint();
      const headers = { "idempotency-key": "deploy-42" };
      const first = await h.createRun(alice, { prompt: "Once only" }, headers);
      expect(first.res.status).toBe(202);
      expect(first.res.headers.get("idempotent-replayed")).toBeNull();
      const second = await h.createRun(alice, { prompt: "Once only" }, headers);
      expect(second.res.status).toBe(202);
      expect(second.res.headers.get("idempotent-replayed")).toBe("true");
      expect(second.body.run.id).toBe(first.body.run.id);
      expect((await footprint()).runs).toBe(before.runs + 1);

      // Bob's run with the same key is his own.
      const bobs = await h.createRun(bob, { prompt: "Once only" }, headers);
      expect(bobs.res.status).toBe(202);
      expect(bobs.res.headers.get("idempotent-replayed")).toBeNull();
      expect(bobs.body.run.id).not.toBe(first.body.run.id);
      expect((await footprint()).runs).toBe(before.runs + 2);
      expect((await get(`${RUNS}/${first.body.run.id}`, bob)).status).toBe(404);

      await cancelAndEnd(first.body.run.id);
      await cancelAndEnd(bobs.body.run.id, bob);
      // A replay after the run ended answers with the run as it is now.
      const late = await h.createRun(alice, { prompt: "Once only" }, headers);
      expect(late.res.headers.get("idempotent-replayed")).toBe("true");
      expect(late.body.run).toMatchObject({ id: first.body.run.id, status: "CANCELLED" });
      expect((await footprint()).runs).toBe(before.runs + 2);
    }, SLOW);
  });

  securitySuite(() => h.server, { method: "POST", path: RUNS, scope: "write:builder", json: { prompt: "never runs" } });
});

describe("GET /api/v1/coding-agent/runs", () => {
  const ids = async (query: string, key = alice) => {
    const res = await get(`${RUNS}${query}`, key);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { runs: any[]; nextCursor: string | null };
    return { ids: body.runs.map((r) => r.id as string), runs: body.runs, nextCursor: body.nextCursor };
  };
  let made: string[] = [];

  beforeAll(async () => {
    made = [];
    for (const prompt of ["first", "second", "third"]) made.push((await cancelledRun({ prompt })).id);
  }, SLOW);

  test("lists the caller's runs newest first", async () => {
    const all = await ids("?limit=100");
    expect(all.nextCursor).toBeNull();
    expect(all.ids.slice(0, 3)).toEqual([...made].reverse());
    expect(all.ids).toContain(idleRun.id);
    expect(all.ids).toEqual([...all.ids].sort().reverse());
    expect(all.runs[0]).toMatchObject({ object: "coding_agent.run", status: "CANCELLED", failureReason: "cancelled through the API" });
  });

  test("limit=1 pages through every run with nextCursor, and the last page has none", async () => {
    const all = (await ids("?limit=100")).ids;
    const first = await ids("?limit=1");
    expect(first.ids).toEqual([made[2]]);
    expect(first.nextCursor).toBe(made[2]);
    const paged = [...first.ids];
    let cursor = first.nextCursor;
    for (let i = 0; cursor && i < 100; i++) {
      const page = await ids(`?limit=1&cursor=${cursor}`);
      expect(page.ids).toHaveLength(1);
      paged.push(...page.ids);
      cursor = page.nextCursor;
    }
    expect(cursor).toBeNull();
    expect(paged).toEqual(all);
    const two = await ids(`?limit=2&cursor=${made[2]}`);
    expect(two.ids).toEqual([made[1], made[0]]);
  });

  test("status and repository filter the list", async () => {
    const cancelled = await ids("?status=CANCELLED&limit=100");
    expect(cancelled.ids).toEqual(expect.arrayContaining(made));
    expect(cancelled.ids).not.toContain(idleRun.id);
    expect(new Set(cancelled.runs.map((r) => r.status))).toEqual(new Set(["CANCELLED"]));
    expect((await ids("?status=IDLE")).ids).toEqual([idleRun.id]);
    expect((await ids(`?repository=${h.repo}`)).ids).toEqual([idleRun.id]);
    expect((await ids("?status=FAILED")).ids).toEqual([]);
  });

  test("bad query parameters are 422 naming the parameter", async () => {
    expect(await errorOf(await get(`${RUNS}?cursor=not-a-cursor`), 422)).toBe("cursor: must be a nextCursor value from a previous page");
    expect(await errorOf(await get(`${RUNS}?limit=0`), 422)).toMatch(/^limit: /);
    expect(await errorOf(await get(`${RUNS}?limit=101`), 422)).toMatch(/^limit: /);
    expect(await errorOf(await get(`${RUNS}?status=DONE`), 422)).toMatch(/^status: .*IDLE/);
    expect(await errorOf(await get(`${RUNS}?repository=nope`), 422)).toBe("repository: must be owner/repo");
  });

  securitySuite(() => h.server, { method: "GET", path: RUNS, scope: "read:builder" });
});

describe("GET /api/v1/coding-agent/runs/:id", () => {
  test("an IDLE run after one turn: its summary, diffstat, base and patch URL", async () => {
    const res = await get(`${RUNS}/${idleRun.id}`);
    expect(res.status).toBe(200);
    const { run } = (await res.json()) as any;
    expect(run).toMatchObject({
      id: idleRun.id,
      status: "IDLE",
      model: "coder",
      repository: h.repo,
      ref: "main",
      baseSha: h.baseSha,
      turns: 1,
      summary: "Changed the greeting.",
      diffstat: { files: 1, additions: 1, deletions: 1 },
      patchUrl: `${ctx().config.publicUrl}${RUNS}/${idleRun.id}/patch`,
      branch: null,
      commitSha: null,
      pullRequestUrl: null,
      failureReason: null,
      completedAt: null,
    });
    expect(run.creditsUsed).toBeGreaterThan(0);
    expect(Date.parse(run.idleUntil)).toBeGreaterThan(Date.now());
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(Date.parse(run.createdAt));
  });

  test("an unknown id is 404 naming it", async () => {
    expect(await errorOf(await get(`${RUNS}/0000000000000000000000000000dead`), 404)).toBe("Coding agent run 0000000000000000000000000000dead not found");
  });

  securitySuite(() => h.server, onIdleRun("GET", "", "read:builder"));
});

describe("GET /api/v1/coding-agent/runs/:id/patch", () => {
  test("the IDLE run's patch is a unified diff against the base (text/x-diff, an attachment)", async () => {
    const res = await get(`${RUNS}/${idleRun.id}/patch`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/x-diff; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${idleRun.id}.diff"`);
    const patch = await res.text();
    expect(patch).toContain("--- a/src/hello.txt");
    expect(patch).toContain("+++ b/src/hello.txt");
    expect(patch).toContain("-hello world");
    expect(patch).toContain("+hello there");
    expect(patch).not.toContain("README.md");
  });

  test("an unknown run is 404", async () => {
    expect(await errorOf(await get(`${RUNS}/nope/patch`), 404)).toBe("Coding agent run nope not found");
  });

  securitySuite(() => h.server, onIdleRun("GET", "/patch", "read:builder"));
});

describe("GET /api/v1/coding-agent/runs/:id/stream", () => {
  let run: any;
  beforeAll(async () => {
    run = await cancelledRun({ prompt: "Stream me" });
  }, SLOW);

  test("an ended run's events are replayed from the start, numbered 1, 2, 3…, and the stream closes after end", async () => {
    const { res, events } = await readStream(run.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ event: "status", data: { seq: 1, type: "status", status: "QUEUED" } });
    expect(events.at(-1)).toMatchObject({ event: "end", data: { type: "end", status: "CANCELLED", reason: "cancelled through the API" } });
    expect(events.some((e) => e.event === "status" && e.data.status === "CANCELLED")).toBe(true);
    for (const e of events) expect(e.data.seq).toBe(e.id);
  });

  test("Last-Event-ID (or ?lastEventId=) replays only what came after it", async () => {
    const all = (await readStream(run.id)).events;
    const after = (await readStream(run.id, { "last-event-id": "1" })).events;
    expect(after.map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));
    const viaQuery = (await readStream(run.id, {}, "?lastEventId=1")).events;
    expect(viaQuery.map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));
  });

  test("a Last-Event-ID that is not a whole number is 400", async () => {
    for (const value of ["abc", "-1", "1.5"]) {
      expect(await errorOf(await get(`${RUNS}/${run.id}/stream`, alice, { "last-event-id": value }), 400)).toMatch(/^Last-Event-ID: /);
    }
  });

  test("an unknown run is 404", async () => {
    expect(await errorOf(await get(`${RUNS}/nope/stream`), 404)).toBe("Coding agent run nope not found");
  });

  // No generated case opens a stream (each is a 401 or a 403 before the route runs), so none of them can hang.
  securitySuite(() => h.server, onIdleRun("GET", "/stream", "read:builder"));
});

describe("POST /api/v1/coding-agent/runs/:id/messages", () => {
  /** The run took no turn: still IDLE after the same number of turns, and the model saw nothing new. */
  async function unchanged(send: () => Promise<Response>, status: number): Promise<string> {
    const requests = h.upstream.agentRequests.length;
    const error = await errorOf(await send(), status);
    expect(await h.getRun(alice, idleRun.id)).toMatchObject({ status: "IDLE", turns: 1 });
    expect(h.upstream.agentRequests.length).toBe(requests);
    return error;
  }

  test("an empty, missing or oversized follow-up prompt is 422 and starts nothing", async () => {
    expect(await unchanged(() => message(idleRun.id, { prompt: "  " }), 422)).toBe("prompt: must not be empty");
    expect(await unchanged(() => message(idleRun.id, {}), 422)).toBe("prompt: is required (what the agent should do)");
    expect(await unchanged(() => message(idleRun.id, { prompt: "x".repeat(100_001) }), 422)).toBe("prompt: must be at most 100000 characters");
    expect(await unchanged(() => message(idleRun.id, { prompt: "hi", model: "other" }), 422)).toContain('"model"');
  });

  test("an unknown run is 404", async () => {
    expect(await errorOf(await message("nope", { prompt: "hi" }), 404)).toBe("Coding agent run nope not found");
  });

  securitySuite(() => h.server, onIdleRun("POST", "/messages", "write:builder", { prompt: "never runs" }));

  test("a follow-up on the IDLE run starts turn 2 in the same sandbox, then the run is IDLE again", async () => {
    const res = await message(idleRun.id, { prompt: "Now check the README" });
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as any;
    expect(run).toMatchObject({ id: idleRun.id, status: "RUNNING", turns: 1, idleUntil: null });
    const after = await h.waitStatus(alice, idleRun.id, ["IDLE", ...ENDED], RUN_WAIT_MS);
    expect(after).toMatchObject({ status: "IDLE", turns: 2, summary: "Done.", diffstat: { files: 1, additions: 1, deletions: 1 } });
  }, SLOW);
});

describe("a run in the middle of its first turn, then cancelled", () => {
  // The model takes 7 s to answer the first step: once the upstream has taken it, the turn cannot finish (and no
  // patch can exist) for that long. No other run talks to the model meanwhile.
  let run: any;
  beforeAll(async () => {
    h.upstream.script({ say: "Too late.", delayMs: 7_000 });
    const { res, body } = await h.createRun(alice, { prompt: "Take your time", repository: h.repo });
    expect(res.status).toBe(202);
    run = body.run;
    await waitFor("the slow run's model call", () => h.upstream.pending === 0, RUN_WAIT_MS);
  }, SLOW);

  test("it is RUNNING, and its patch is 404 until the first turn finishes", async () => {
    expect((await h.getRun(alice, run.id)).status).toBe("RUNNING");
    expect(await errorOf(await get(`${RUNS}/${run.id}/patch`), 404)).toBe(`Run ${run.id} has no patch yet (its first turn has not finished)`);
  });

  test("a follow-up while it runs is 409 naming the status", async () => {
    expect(await errorOf(await message(run.id, { prompt: "And another thing" }), 409)).toBe(
      `Run ${run.id} cannot take a follow-up: it is RUNNING; wait for IDLE (GET the run or follow its stream)`,
    );
  });

  test("cancel stops the turn: 200 CANCELLED at once, then the run ends", async () => {
    const res = await cancel(run.id);
    expect(res.status).toBe(200);
    const { run: cancelled } = (await res.json()) as any;
    expect(cancelled).toMatchObject({ id: run.id, status: "CANCELLED", failureReason: "cancelled through the API" });
    expect(cancelled.completedAt).not.toBeNull();
    const end = await ended(run.id);
    expect(end.data).toEqual({ status: "CANCELLED", reason: "cancelled through the API" });
  }, SLOW);

  test("a follow-up on the cancelled run is 409 naming CANCELLED", async () => {
    expect(await errorOf(await message(run.id, { prompt: "Please continue" }), 409)).toBe(
      `Run ${run.id} cannot take a follow-up: it is CANCELLED (cancelled through the API); start a new run`,
    );
  });

  test("cancelling it again is 409", async () => {
    expect(await errorOf(await cancel(run.id), 409)).toBe(`Run ${run.id} already ended (CANCELLED)`);
    expect((await h.getRun(alice, run.id)).status).toBe("CANCELLED");
  });
});

describe("ownership", () => {
  test("bob gets the same 404 as for a missing run on every route of alice's run, and changes nothing", async () => {
    const missing = `Coding agent run ${idleRun.id} not found`;
    expect(await errorOf(await get(`${RUNS}/${idleRun.id}`, bob), 404)).toBe(missing);
    expect(await errorOf(await get(`${RUNS}/${idleRun.id}/stream`, bob), 404)).toBe(missing);
    expect(await errorOf(await get(`${RUNS}/${idleRun.id}/patch`, bob), 404)).toBe(missing);
    expect(await errorOf(await message(idleRun.id, { prompt: "Mine now" }, bob), 404)).toBe(missing);
    expect(await errorOf(await cancel(idleRun.id, bob), 404)).toBe(missing);
    expect(await h.getRun(alice, idleRun.id)).toMatchObject({ status: "IDLE", turns: 2 });
  });

  test("alice's runs are not in bob's list, and bob's are not in hers", async () => {
    const bobs = await cancelledRun({ prompt: "Bob's own" }, bob);
    const list = async (key: string) => ((await (await get(`${RUNS}?limit=100`, key)).json()) as any).runs.map((r: any) => r.id);
    const bobIds = await list(bob);
    expect(bobIds).toContain(bobs.id);
    expect(bobIds).not.toContain(idleRun.id);
    const aliceIds = await list(alice);
    expect(aliceIds).toContain(idleRun.id);
    expect(aliceIds).not.toContain(bobs.id);
  }, SLOW);
});

describe("GET /api/v1/coding-agent/models", () => {
  test("lists the models with prices and the default, and the local sandbox as usable", async () => {
    const res = await get("/api/v1/coding-agent/models");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      models: [
        { id: "coder", default: true, pricing: { input: AGENT_PRICES.input, output: AGENT_PRICES.output }, contextWindow: 64_000 },
        { id: "other", default: false, pricing: { input: expect.any(Number), output: expect.any(Number) }, contextWindow: expect.any(Number) },
      ],
      sandbox: { provider: "local", usable: true, reason: null, pricePerMinute: AGENT_PRICES.sandboxPerMinute, idleTtlSeconds: 600 },
      billing: ["credits", "openrouter"],
    });
  });

  securitySuite(() => h.server, { method: "GET", path: "/api/v1/coding-agent/models", scope: "read:builder" });
});

describe("POST /api/v1/coding-agent/runs/:id/cancel", () => {
  test("an unknown run is 404", async () => {
    expect(await errorOf(await cancel("nope"), 404)).toBe("Coding agent run nope not found");
  });

  securitySuite(() => h.server, onIdleRun("POST", "/cancel", "write:builder"));

  test("cancelling the IDLE run ends it at once; its patch is kept", async () => {
    const res = await cancel(idleRun.id);
    expect(res.status).toBe(200);
    const { run } = (await res.json()) as any;
    expect(run).toMatchObject({ id: idleRun.id, status: "CANCELLED", failureReason: "cancelled through the API", idleUntil: null, turns: 2 });
    expect(run.completedAt).not.toBeNull();
    await ended(idleRun.id);
    const patch = await get(`${RUNS}/${idleRun.id}/patch`);
    expect(patch.status).toBe(200);
    expect(await patch.text()).toContain("+hello there");
    expect(await errorOf(await cancel(idleRun.id), 409)).toBe(`Run ${idleRun.id} already ended (CANCELLED)`);
  }, SLOW);
});
