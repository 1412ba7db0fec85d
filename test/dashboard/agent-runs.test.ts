import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureUser } from "../../src/auth/users.ts";
import { newId } from "../../src/ids.ts";
import type { RunRow } from "../../plugins/coding-agent/store.ts";
import { type CodingAgentHarness, startCodingAgent } from "../helpers/coding-agent.ts";
import { type Browserless, signIn } from "../helpers/dashboard.ts";

/**
 * Coding-agent runs in the dashboard: the list and a run's page (facts, links, the live event view), own runs only.
 * One real run goes through the REST API (real OpenCode in bubblewrap, scripted model); the rest are rows.
 */
let h: CodingAgentHarness;
let alice: Browserless;
let bob: Browserless;
beforeAll(async () => {
  h = await startCodingAgent();
  alice = await signIn(h.server, "alice");
  bob = await signIn(h.server, "bob");
});
afterAll(() => h.stop());

const ctx = () => h.server.server.ctx;
const XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'];

async function insertRun(user: string, patch: Partial<RunRow> = {}): Promise<string> {
  const { id: userId } = await ensureUser(ctx(), user);
  const at = new Date();
  const row = { id: newId(), userId, status: "IDLE", model: "coder", billing: "credits", prompt: "Fix the build", provider: "local", limits: { maxMinutes: 10, maxCredits: 5, maxTurns: 3 }, createdAt: at, updatedAt: at, ...patch };
  await ctx().db.insert(ctx().tables.codingAgentRuns).values(row);
  return row.id;
}

/** Reads the stream with the session cookie until `until` appears in it (bounded), then hangs up. */
async function readWithCookie(who: Browserless, path: string, until: string) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  const res = await fetch(`${h.server.url}${path}`, { headers: { cookie: who.cookie }, signal: controller.signal });
  let text = "";
  try {
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes(until)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text };
}

describe("without a session", () => {
  test("the list and a run's page redirect to sign-in, coming back there", async () => {
    for (const path of ["/dashboard/agent-runs", "/dashboard/agent-runs/0123456789abcdef0123456789abcdef"]) {
      const res = await fetch(`${h.server.url}${path}`, { redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
    }
  });
});

describe("runs as rows", () => {
  let own: string;
  let bobs: string;
  beforeAll(async () => {
    own = await insertRun("alice", {
      status: "COMPLETED",
      repository: "acme/widgets",
      ref: "main",
      turns: 2,
      summary: `Model says ${XSS[0]} and ${XSS[1]}`,
      prompt: `Please ${XSS[1]}`,
      failureReason: XSS[0],
      diffstat: { files: 3, additions: 10, deletions: 4 },
      patch: "--- a/x\n+++ b/x\n",
      branchName: "critique/agent-x",
      commitSha: "a".repeat(40),
      pullRequestUrl: "javascript:alert(1)",
      pullRequestNumber: 7,
    });
    bobs = await insertRun("bob", { summary: "bob's secret run" });
  });

  test("the list shows the user's own runs only: status, model, repository, turns, credits, created", async () => {
    const res = await alice.get("/dashboard/agent-runs");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<a href="/dashboard/agent-runs" aria-current="page">');
    expect(page).toContain(`<a href="/dashboard/agent-runs/${own}">`);
    expect(page).toContain('<span class="badge badge-completed">COMPLETED</span>');
    expect(page).toContain("<td><code>coder</code></td><td>acme/widgets</td><td>2 / 3</td><td>0</td>");
    expect(page).toContain('<th scope="col">Credits</th>');
    expect(page).not.toContain(bobs);
    expect(page).not.toContain("bob's secret run");
    const filtered = await (await alice.get("/dashboard/agent-runs?status=RUNNING")).text();
    expect(filtered).toContain("No coding-agent runs match these filters.");
    expect((await alice.get("/dashboard/agent-runs?status=NOPE")).status).toBe(422);
  });

  test("a run's page: facts, patch and branch links, the status element and the live event view", async () => {
    const page = await (await alice.get(`/dashboard/agent-runs/${own}`)).text();
    expect(page).toContain('<span id="run-status">COMPLETED</span>');
    expect(page).toContain("3 file(s), +10 −4");
    expect(page).toContain(`<a href="/api/v1/coding-agent/runs/${own}/patch" download>`);
    expect(page).toContain(`/acme/widgets/tree/critique/agent-x"><code>critique/agent-x</code></a>`);
    expect(page).toContain(`<div class="events" id="run-events" data-stream="/api/v1/coding-agent/runs/${own}/stream" aria-live="polite"></div>`);
    // A stored URL that is not http(s) is never a link.
    expect(page).not.toContain("javascript:alert");
  });

  test("model output, prompts and failure reasons are escaped", async () => {
    for (const path of ["/dashboard/agent-runs", `/dashboard/agent-runs/${own}`]) {
      const page = await (await alice.get(path)).text();
      for (const xss of XSS) expect(page).not.toContain(xss);
      expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(page).not.toMatch(/<img/);
    }
  });

  test("someone else's run, or one that does not exist: the 404 page", async () => {
    for (const id of [bobs, "0123456789abcdef0123456789abcdef"]) {
      const res = await alice.get(`/dashboard/agent-runs/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toStartWith("text/html");
      const page = await res.text();
      expect(page).toContain("Not found");
      expect(page).not.toContain("bob's secret run");
    }
    expect((await alice.get(`/api/v1/coding-agent/runs/${bobs}/stream`)).status).toBe(404);
    expect((await bob.get(`/dashboard/agent-runs/${bobs}`)).status).toBe(200);
  });

  test("a user without runs gets the empty state; many runs are paginated", async () => {
    const carol = await signIn(h.server, "carol");
    expect(await (await carol.get("/dashboard/agent-runs")).text()).toContain("No coding-agent runs yet.");
    for (let i = 0; i < 22; i++) await insertRun("carol", { summary: `run-${i}-` });
    const first = await (await carol.get("/dashboard/agent-runs")).text();
    expect(first).toContain("run-21-");
    expect(first).not.toContain("run-1-");
    const older = /<nav class="pager" aria-label="Pagination"><a href="([^"]+)">/.exec(first)![1].replaceAll("&amp;", "&");
    const second = await (await carol.get(older)).text();
    expect(second).toContain("run-1-");
    expect(second).toContain("run-0-");
    expect(second).not.toContain("run-21-");
  });
});

describe("a real run started through the REST API", () => {
  test("its page shows the run, and the stream it names answers text/event-stream with the session cookie", async () => {
    const key = await h.server.key(["read:builder", "write:builder"], "alice");
    h.upstream.scriptFor(
      "dashboard-run",
      { tool: "edit", filePath: "/workspace/src/hello.txt", oldString: "hello world", newString: "hello dashboard" },
      { say: `Done ${XSS[0]} ${XSS[1]}` },
    );
    const { res, body } = await h.createRun(key, { prompt: "dashboard-run: change the greeting", repository: h.repo, createPullRequest: true });
    expect(res.status).toBe(202);
    const id = body.run.id as string;
    const run = await h.waitStatus(key, id, ["IDLE", "FAILED", "EXPIRED"], 45_000);
    expect(run.status).toBe("IDLE");

    const list = await (await alice.get("/dashboard/agent-runs")).text();
    expect(list).toContain(`<a href="/dashboard/agent-runs/${id}">`);
    const page = await (await alice.get(`/dashboard/agent-runs/${id}`)).text();
    expect(page).toContain('<span id="run-status">IDLE</span>');
    expect(page).toContain("1 file(s), +1 −1");
    expect(page).toContain(`<a href="/api/v1/coding-agent/runs/${id}/patch" download>`);
    expect(page).toContain(`<a href="${run.pullRequestUrl}">`);
    for (const xss of XSS) expect(page).not.toContain(xss);
    expect(page).toContain("Done &lt;script&gt;alert(1)&lt;/script&gt;");

    const stream = /data-stream="([^"]+)"/.exec(page)![1];
    expect(stream).toBe(`/api/v1/coding-agent/runs/${id}/stream`);
    const read = await readWithCookie(alice, stream, "event: turn.completed");
    expect(read.status).toBe(200);
    expect(read.contentType).toStartWith("text/event-stream");
    expect(read.text).toContain("event: status");
    expect(read.text).toContain("event: turn.completed");
    const patch = await alice.get(`/api/v1/coding-agent/runs/${id}/patch`);
    expect(await patch.text()).toContain("+hello dashboard");

    // The session cookie acts on the API only with the page's CSRF token.
    const cancel = (headers: Record<string, string>) => fetch(`${h.server.url}/api/v1/coding-agent/runs/${id}/cancel`, { method: "POST", headers: { cookie: alice.cookie, ...headers } });
    expect((await cancel({})).status).toBe(403);
    expect((await h.getRun(key, id)).status).toBe("IDLE");
    expect((await cancel({ "x-csrf-token": alice.csrf })).status).toBe(200);
    expect(await (await alice.get(`/dashboard/agent-runs/${id}`)).text()).toContain('<span id="run-status">CANCELLED</span>');
  }, 60_000);
});
