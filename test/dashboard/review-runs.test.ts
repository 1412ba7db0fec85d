import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { signIn } from "../helpers/dashboard.ts";
import { GITHUB_TOKEN, type MergeGateWorld, pollRun, queue, REPO, routeFile, scriptSpecialists, secretFile, seedPull, startWorld } from "../merge-gate/harness.ts";

// The review-run page over HTTP: a real review on the fake GitHub and fake model, then the page as a browser gets it.
let w: MergeGateWorld;
beforeAll(async () => {
  w = await startWorld({ model: true });
});
afterAll(() => w.stop());

const SCRIPT = "<script>alert(1)</script>";
const IMG = `"><img src=x onerror=alert(1)>`;
const HOSTILE_PATH = `src/${SCRIPT}${IMG}.ts`;
const hostileFile = { filename: HOSTILE_PATH, status: "added" as const, patch: `@@ -0,0 +1,2 @@\n+export const banner = "${SCRIPT}";\n+export const img = '${IMG}';` };

const nPlusOne = {
  severity: "FAIL",
  confidence: 0.93,
  rule: "n-plus-one-insert",
  title: "Insert per user inside a loop",
  summary: "db.audit.insert runs once per user; batch the inserts.",
  filePath: routeFile.filename,
  startLine: 13,
  endLine: 15,
  quote: "await db.audit.insert({ user: user.id });",
};
const hostile = {
  severity: "WARNING",
  confidence: 0.7,
  rule: "hostile-text",
  title: `Title ${SCRIPT}`,
  summary: `Summary ${IMG}`,
  filePath: HOSTILE_PATH,
  startLine: 1,
  endLine: 2,
  quote: null,
};

const page = (cookie: string, id: string) => fetch(`${w.s.url}/dashboard/review-runs/${id}`, { headers: { cookie }, redirect: "manual" });
const unescaped = (body: string) => [SCRIPT, "<img src=x", IMG].filter((s) => body.includes(s));

async function review(number: number, headSha: string, files: typeof routeFile[], title: string, answers: Record<string, unknown[]>) {
  seedPull(w, number, headSha, files, title);
  scriptSpecialists(w.llm, answers);
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: number, headSha, pullRequestTitle: title });
  expect(res.status).toBe(202);
  return pollRun(w, ((await res.json()) as any).review.reviewRunId);
}

describe("GET /dashboard/review-runs/{id}", () => {
  let run: any;
  let alice: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    run = await review(80, `${"e".repeat(39)}1`, [routeFile, hostileFile], `Audit ${SCRIPT} ${IMG}`, { PERFORMANCE: [nPlusOne], CODE_QUALITY: [hostile] });
    alice = await signIn(w.s, "alice");
  });

  test("a FAIL review shows its findings with the code lines they point at, FAIL before WARNING", async () => {
    expect(run).toMatchObject({ status: "COMPLETED", verdict: "FAIL" });
    expect(run.findings.map((f: any) => [f.severity, f.filePath, f.startLine, f.endLine])).toEqual([
      ["FAIL", routeFile.filename, 13, 15],
      ["WARNING", HOSTILE_PATH, 1, 2],
    ]);
    const res = await alice.get(`/dashboard/review-runs/${run.reviewRunId}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    const code = ["  for (const user of users) {", "    await db.audit.insert({ user: user.id });", "  }"].join("\n");
    expect(body).toContain(`<pre data-start-line="13"><code>${code}</code></pre>`);
    expect(body).toContain("from line 13");
    const fail = body.indexOf('aria-label="FAIL findings"');
    const warning = body.indexOf('aria-label="WARNING findings"');
    expect(fail).toBeGreaterThan(-1);
    expect(warning).toBeGreaterThan(fail);
    const card = body.indexOf(`aria-label="FAIL finding: ${nPlusOne.title}"`);
    expect(card).toBeGreaterThan(fail);
    expect(card).toBeLessThan(warning);
    expect(body.indexOf(code)).toBeGreaterThan(card);
    expect(body.indexOf(code)).toBeLessThan(warning);
  });

  test("the API's finding objects stay as documented: no snippet", async () => {
    const res = await w.s.request(`/api/v1/review-runs/${run.reviewRunId}?findings=all`, { key: w.alice });
    const { reviewRun } = (await res.json()) as any;
    for (const f of reviewRun.findings) expect(f).not.toHaveProperty("snippet");
    const ctx = w.s.server.ctx;
    const rows = await ctx.db.select().from(ctx.tables.reviewFindings).where(eq(ctx.tables.reviewFindings.runId, run.reviewRunId));
    expect(rows.find((r) => r.rule === "n-plus-one-insert")?.snippet).toContain("await db.audit.insert");
  });

  test("a title, finding text, file path and code lines with markup are escaped", async () => {
    const body = await (await alice.get(`/dashboard/review-runs/${run.reviewRunId}`)).text();
    expect(unescaped(body)).toEqual([]);
    expect(body).toContain("Audit &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(body).toContain("Title &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(body).toContain("Summary &quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(body).toContain("src/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.ts");
    // The hostile file's own lines, as its snippet, escaped inside <pre><code>.
    expect(body).toContain('<pre data-start-line="1"><code>export const banner = &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;;');
  });

  test("resolved since the previous push: only the same installation's earlier review counts", async () => {
    const next = await review(80, `${"e".repeat(39)}3`, [routeFile], "Audit, fixed", {});
    expect(next).toMatchObject({ status: "COMPLETED" });
    const resolved = async () => (await (await alice.get(`/dashboard/review-runs/${next.reviewRunId}`)).text()).includes("Resolved since the previous push");
    expect(await resolved()).toBe(true);
    // As after an uninstall and a reinstall by someone else: the first review belongs to the earlier installation.
    const ctx = w.s.server.ctx;
    const t = ctx.tables.reviewRuns;
    const [first] = await ctx.db.select({ installationId: t.installationId }).from(t).where(eq(t.id, run.reviewRunId));
    await ctx.db.update(t).set({ installationId: "999001" }).where(eq(t.id, run.reviewRunId));
    try {
      expect(await resolved()).toBe(false);
    } finally {
      await ctx.db.update(t).set({ installationId: first.installationId }).where(eq(t.id, run.reviewRunId));
    }
  });

  test("without a session the page redirects to sign-in (303)", async () => {
    const res = await fetch(`${w.s.url}/dashboard/review-runs/${run.reviewRunId}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toStartWith("/sign-in");
  });

  test("a user who does not control the installation gets the 404 page, nothing of the run", async () => {
    const bob = await signIn(w.s, "bob");
    const res = await bob.get(`/dashboard/review-runs/${run.reviewRunId}`);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toContain("not found");
    expect(body).not.toContain("db.audit.insert");
    expect(body).not.toContain(nPlusOne.title);
  });

  test("a planted secret: its finding's page never contains the token, only the masked line", async () => {
    const overSecret = { severity: "WARNING", confidence: 0.6, rule: "config-object", title: "Config in code", summary: "Move the config out.", filePath: secretFile.filename, startLine: 1, endLine: 3, quote: null };
    const secretRun = await review(81, `${"e".repeat(39)}2`, [secretFile], "Add config", { CODE_QUALITY: [overSecret] });
    expect(secretRun.verdict).toBe("FAIL");
    expect(secretRun.findings[0]).toMatchObject({ specialist: "SECURITY", severity: "FAIL", filePath: secretFile.filename, startLine: 2 });
    const res = await page(alice.cookie, secretRun.reviewRunId);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain(GITHUB_TOKEN);
    expect(body).not.toContain(GITHUB_TOKEN.slice(4, 16));
    expect(body).toContain(`  token: &quot;${"*".repeat(GITHUB_TOKEN.length)}&quot;,`);
    const ctx = w.s.server.ctx;
    const rows = await ctx.db.select().from(ctx.tables.reviewFindings).where(eq(ctx.tables.reviewFindings.runId, secretRun.reviewRunId));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(GITHUB_TOKEN);
  });
});
