import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ensureUser } from "../../src/auth/users.ts";
import { listLedger } from "../../src/credits/index.ts";
import { legName } from "../helpers/env.ts";
import { critiqueCli, deliverGitHub, installationEvent, pullRequestEvent } from "./github-deliveries.ts";
import { BASE_SHA, INSTALLATION, type MergeGateWorld, REPO, routeFile, startWorld } from "./harness.ts";

// Track mode (the default), a review costs 2 credits and no model: every automatic review's charge is exactly 2.
const INITECH = 91;
const INITECH_REPO = "initech/app";
let w: MergeGateWorld;
let bobId: string;
let daveId: string;
beforeAll(async () => {
  w = await startWorld({ configYaml: "review:\n  costPerRun: 2\n" });
  bobId = (await ensureUser(w.s.server.ctx, "bob")).id;
  daveId = (await ensureUser(w.s.server.ctx, "dave")).id;
  w.gh.addRepo(INITECH_REPO, { installationId: INITECH });
});
afterAll(() => w.stop());

function seed(fullName: string, number: number, sha: string) {
  w.gh.addPull(fullName, { number, title: `PR ${number}`, base: { ref: "main", sha: BASE_SHA }, head: { ref: `f-${number}`, sha }, files: [routeFile] });
}

async function runOf(fullName: string, number: number, sha: string) {
  const ctx = w.s.server.ctx;
  const t = ctx.tables.reviewRuns;
  const [run] = await ctx.db.select().from(t).where(and(eq(t.repositoryKey, fullName.toLowerCase()), eq(t.pullRequestNumber, number), eq(t.headSha, sha)));
  expect(run, `a run of ${fullName}#${number} @ ${sha}`).toBeDefined();
  return run;
}

const ledgerOf = async (userId: string) => (await listLedger(w.s.server.ctx, { userId })).entries;

describe(`GitHub-triggered reviews bill the installation's billing user (${legName})`, () => {
  test("the installer pays: a pull_request event reserves and settles on their ledger, referencing the run", async () => {
    await deliverGitHub(w, "installation", installationEvent("created", INITECH, "initech", "bob", [INITECH_REPO]));
    const sha = "b1".repeat(20);
    seed(INITECH_REPO, 1, sha);
    await deliverGitHub(w, "pull_request", pullRequestEvent("opened", INITECH, INITECH_REPO, 1, sha));
    const run = await runOf(INITECH_REPO, 1, sha);
    expect(run).toMatchObject({ trigger: "github", status: "COMPLETED", userId: bobId, creditsCharged: 2_000_000 });
    // Reserved up front, settled at the run's cost: together the entries take exactly what the run was charged.
    const entries = (await ledgerOf(bobId)).filter((e) => e.reference === `review:${run.id}:1`);
    expect(entries.map((e) => e.kind).sort()).toEqual(["reserve", "settle"]);
    expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(-2_000_000);
    const listed = await critiqueCli(w, "installations", "list", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).find((i: any) => i.id === String(INITECH))).toMatchObject({ members: ["bob"], billingUser: "bob" });
  });

  test("`installations billing` changes who pays; paying grants no access to the runs", async () => {
    const set = await critiqueCli(w, "installations", "billing", "--installation", String(INITECH), "--user", "dave");
    expect(set.code).toBe(0);
    expect(set.stdout).toBe(`Installation ${INITECH} (initech): automatic reviews are billed to dave (was bob).\n`);
    expect(set.stderr).toContain("dave is not a member of installation 91: they pay for its reviews but do not see them.");
    expect((await critiqueCli(w, "installations", "list")).stdout).toMatch(/^91 {2}initech .* billing: dave$/m);

    const sha = "b2".repeat(20);
    seed(INITECH_REPO, 2, sha);
    await deliverGitHub(w, "pull_request", pullRequestEvent("opened", INITECH, INITECH_REPO, 2, sha));
    const run = await runOf(INITECH_REPO, 2, sha);
    expect(run).toMatchObject({ status: "COMPLETED", userId: daveId });
    expect((await ledgerOf(daveId)).filter((e) => e.reference === `review:${run.id}:1`).map((e) => e.kind)).toEqual(expect.arrayContaining(["reserve", "settle"]));
    expect((await ledgerOf(bobId)).some((e) => e.reference === `review:${run.id}:1`)).toBe(false);

    // Visibility stays membership: bob (member, not paying) sees the run; dave (paying, not a member) does not.
    const bob = await w.s.key(["read:reviews"], "bob");
    const dave = await w.s.key(["read:reviews"], "dave");
    expect((await w.s.request(`/api/v1/review-runs/${run.id}`, { key: bob })).status).toBe(200);
    expect((await w.s.request(`/api/v1/review-runs/${run.id}`, { key: dave })).status).toBe(404);
    expect(((await (await w.s.request("/api/v1/review-runs", { key: dave })).json()) as any).reviewRuns).toEqual([]);

    const json = await critiqueCli(w, "installations", "billing", "--installation", String(INITECH), "--user", "bob", "--json");
    expect(JSON.parse(json.stdout)).toEqual({ installation: String(INITECH), account: "initech", billingUser: "bob", previousBillingUser: "dave" });
    expect(json.stderr).not.toContain("Note:");
  });

  test("with no billing user (track mode) the review runs unbilled: no payer, nothing on anyone's ledger", async () => {
    const sha = "b3".repeat(20);
    seed(REPO, 3, sha);
    await deliverGitHub(w, "pull_request", pullRequestEvent("opened", INSTALLATION, REPO, 3, sha));
    const run = await runOf(REPO, 3, sha);
    expect(run).toMatchObject({ status: "COMPLETED", userId: null, creditsCharged: null });
    const alice = await ensureUser(w.s.server.ctx, "alice");
    expect((await ledgerOf(alice.id)).some((e) => e.reference?.startsWith(`review:${run.id}`))).toBe(false);
    expect(JSON.parse((await critiqueCli(w, "installations", "list", "--json")).stdout).find((i: any) => i.id === String(INSTALLATION))).toMatchObject({ billingUser: null });
  });

  test.each([
    [["--installation", "91", "--user", "nobody"], /^critique: unknown user "nobody"$/m],
    [["--installation", "404404", "--user", "bob"], /^critique: unknown installation "404404" \(see `critique installations list`/m],
    [["--installation", "acme", "--user", "bob"], /^critique: --installation: expected a numeric GitHub installation id, got "acme"$/m],
    [["--installation", "91"], /^error: required option '--user <user>' not specified$/m],
  ])("billing %p fails with exit 1 and a clear message, changing nothing", async (args, pattern) => {
    const result = await critiqueCli(w, "installations", "billing", ...args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toContain("    at ");
    const [row] = await w.s.server.ctx.db.select().from(w.s.server.ctx.tables.githubInstallations).where(eq(w.s.server.ctx.tables.githubInstallations.id, String(INITECH)));
    expect(row.billingUserId).toBe(bobId);
  });

  test("--help documents the command, its options and what paying does not grant", async () => {
    expect((await critiqueCli(w, "installations", "--help")).stdout).toContain("billing");
    const help = await critiqueCli(w, "installations", "billing", "--help");
    expect(help.code).toBe(0);
    for (const text of ["--installation <id>", "--user <user>", "Paying grants no access", "CRITIQUE_CREDITS=track", "enforce"]) expect(help.stdout).toContain(text);
  });
});
