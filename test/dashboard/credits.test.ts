import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey } from "../../src/auth/keys.ts";
import { ensureUser } from "../../src/auth/users.ts";
import { chargeCredits, grantCredits, MICRO_PER_CREDIT, reserveCredits, settleReservation } from "../../src/credits/index.ts";
import { newId } from "../../src/ids.ts";
import { type Browserless, signIn } from "../helpers/dashboard.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** Credits in the dashboard: balance, 30 days of usage by surface and by model (SVG + table), the ledger. */
let server: TestServer;
let alice: Browserless;
let aliceId: string;
beforeAll(async () => {
  server = await startTestServer();
  alice = await signIn(server, "alice");
  aliceId = (await ensureUser(ctx(), "alice")).id;
});
afterAll(() => server.stop());

const ctx = () => server.server.ctx;
const C = (credits: number) => Math.round(credits * MICRO_PER_CREDIT);
const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const XSS_MODEL = "<script>alert(1)</script>";
const XSS_MEMO = '"><img src=x onerror=alert(1)>';

async function usage(keyId: string, model: string, cost: number, at: number) {
  await ctx()
    .db.insert(ctx().tables.inferenceUsage)
    .values({ id: newId(), userId: aliceId, keyId, model, provider: "up", promptTokens: 100, completionTokens: 50, cost, estimated: false, byok: false, trainingOptIn: false, stream: false, status: "completed", reservationId: null, createdAt: new Date(at) });
}

async function settled(reference: string, reserve: number, charge: number) {
  const r = await reserveCredits(ctx(), { userId: aliceId, amount: C(reserve), reference });
  await settleReservation(ctx(), { reservationId: r.id, amount: C(charge) });
}

test("without a session: 303 to sign-in, coming back to the same page", async () => {
  const res = await fetch(`${server.url}/dashboard/credits?cursor=abc`, { redirect: "manual" });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe(`/sign-in?next=${encodeURIComponent("/dashboard/credits?cursor=abc")}`);
});

test("nothing granted or used: both empty states say what to do next", async () => {
  const page = await (await alice.get("/dashboard/credits")).text();
  expect(page).toContain('<a href="/dashboard/credits" aria-current="page">');
  expect(page).toContain("Nothing used in the last 30 days.");
  expect(page).toContain("critique credits grant --user YOUR_NAME --amount 100");
  expect(page).not.toContain("<svg viewBox");
});

describe("with credits granted and used", () => {
  const now = Date.now();
  beforeAll(async () => {
    await grantCredits(ctx(), { userId: aliceId, amount: C(100), memo: XSS_MEMO });
    const key = await createKey(ctx(), { name: "app", user: "alice", scopes: ["inference"] });
    const runKey = await createKey(ctx(), { name: "coding-agent run", user: "alice", scopes: ["inference"] });
    const t = new Date(now);
    await ctx()
      .db.insert(ctx().tables.codingAgentRuns)
      .values({ id: newId(), userId: aliceId, status: "COMPLETED", model: "coder", billing: "credits", prompt: "p", provider: "local", limits: { maxMinutes: 5, maxCredits: 5, maxTurns: 2 }, runKeyId: runKey.id, createdAt: t, updatedAt: t });
    await usage(key.id, "coder", C(1.5), now);
    await usage(key.id, "other", C(2.25), now - 2 * DAY);
    await usage(key.id, XSS_MODEL, C(0.01), now - 2 * DAY);
    await usage(key.id, "coder", C(9), now - 40 * DAY); // outside the 30 days
    await usage(runKey.id, "coder", C(0.5), now); // the run's own model calls: coding agent
    await settled(`review:${newId()}:1`, 2, 1.25);
    await settled(`coding-agent:${newId()}`, 1, 0.3);
    await settled("inference", 5, 4); // a block of the calls above: counted per call, not twice
    await chargeCredits(ctx(), { userId: aliceId, amount: C(0.1), reference: "export" });
    await reserveCredits(ctx(), { userId: aliceId, amount: C(3), reference: `review:${newId()}:1` }); // still open
  });

  test("the balance: available and reserved", async () => {
    const res = await alice.get("/dashboard/credits");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<strong id="credits-available">91.35</strong>');
    expect(page).toContain('<span id="credits-reserved">3</span>');
    expect(page).toContain("held by 1 piece(s) of work in flight");
  });

  test("usage by surface: an SVG bar chart with a legend, and a table of the same numbers", async () => {
    const page = await (await alice.get("/dashboard/credits")).text();
    const surface = page.slice(page.indexOf('id="usage-by-surface"'), page.indexOf('id="usage-by-model"'));
    expect(surface).toContain('<svg viewBox="0 0 720 240"');
    expect(surface).toContain('role="img" aria-labelledby="usage-by-surface-title"');
    expect(surface).toContain(`<title>${dayOf(now)} · inference: 1.5 credits</title>`);
    expect(surface).toContain(`<title>${dayOf(now)} · coding agent: 0.8 credits</title>`);
    expect(surface).toContain(`<title>${dayOf(now - 2 * DAY)} · inference: 2.26 credits</title>`);
    expect(surface).toContain("reviews: 1.25 credits</li>");
    expect(surface).toContain('<th scope="col">inference</th><th scope="col">reviews</th><th scope="col">coding agent</th><th scope="col">other</th><th scope="col">Total</th>');
    expect(surface).toContain(`<tr><th scope="row">${dayOf(now)}</th><td>1.5</td><td>1.25</td><td>0.8</td><td>0.1</td><td>3.65</td></tr>`);
    expect(surface).toContain(`<tr><th scope="row">${dayOf(now - 2 * DAY)}</th><td>2.26</td><td>0</td><td>0</td><td>0</td><td>2.26</td></tr>`);
    expect(surface).toContain('<tfoot><tr><th scope="row">Total</th><td>3.76</td><td>1.25</td><td>0.8</td><td>0.1</td><td>5.91</td></tr></tfoot>');
    expect(surface).not.toContain(dayOf(now - 40 * DAY));
  });

  test("usage by model, and the calls and tokens per model", async () => {
    const page = await (await alice.get("/dashboard/credits")).text();
    const byModel = page.slice(page.indexOf('id="usage-by-model"'), page.indexOf('id="ledger"'));
    expect(byModel).toContain(`<title>${dayOf(now)} · coder: 2 credits</title>`);
    expect(byModel).toContain(`<title>${dayOf(now - 2 * DAY)} · other: 2.25 credits</title>`);
    expect(byModel).toContain('<tr><th scope="row"><code>coder</code></th><td>2</td><td>200</td><td>100</td><td>2</td></tr>');
  });

  test("the ledger, newest first, with what each entry paid for", async () => {
    const page = await (await alice.get("/dashboard/credits")).text();
    const ledger = page.slice(page.indexOf('id="ledger"'));
    expect(ledger).toContain('<a href="/dashboard/review-runs/');
    expect(ledger).toContain('<a href="/dashboard/agent-runs/');
    expect(ledger.indexOf(">reserve<")).toBeLessThan(ledger.indexOf(">grant<"));
    expect(ledger).toContain("<td>+100</td><td>100</td>");
  });

  test("model names and memos are escaped", async () => {
    const page = await (await alice.get("/dashboard/credits")).text();
    expect(page).not.toContain(XSS_MODEL);
    expect(page).not.toContain(XSS_MEMO);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  });
});

test("the ledger is cursor-paginated", async () => {
  const carol = await signIn(server, "carol");
  const { id } = await ensureUser(ctx(), "carol");
  for (let i = 1; i <= 30; i++) await grantCredits(ctx(), { userId: id, amount: C(i), memo: `grant-${i}-` });
  const first = await (await carol.get("/dashboard/credits")).text();
  expect(first).toContain("grant-30-");
  expect(first).toContain("grant-6-");
  expect(first).not.toContain("grant-5-");
  const older = /<nav class="pager" aria-label="Pagination"><a href="([^"]+)">/.exec(first)![1].replaceAll("&amp;", "&");
  const second = await (await carol.get(older)).text();
  expect(second).toContain("grant-5-");
  expect(second).toContain("grant-1-");
  expect(second).not.toContain("grant-6-");
  expect(second).not.toContain('class="pager"');
  expect((await carol.get("/dashboard/credits?cursor=not-a-cursor")).status).toBe(422);
});
