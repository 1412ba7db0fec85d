import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { DEFAULT_REPO_CONFIG } from "../../plugins/merge-gate/analysis/repo-config.ts";
import { evaluateMergePolicy } from "../../plugins/merge-gate/policy/service.ts";
import { type Browserless, signIn } from "../helpers/dashboard.ts";
import { waitFor } from "../helpers/jobs.ts";
import { type MergeGateWorld, pollRun, queue, REPO, routeFile, seedPull, startWorld } from "../merge-gate/harness.ts";

// The passport pages, in process: a real deterministic review on the fake GitHub opens the passport.
const XSS_SCRIPT = "<script>alert(1)</script>";
const XSS_ATTR = `"><img src=x onerror=alert(1)>`;
const ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;";
const ESCAPED_ATTR = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";

function expectEscaped(page: string) {
  expect(page).not.toContain(XSS_SCRIPT);
  expect(page).not.toContain("<img src=x");
  expect(page).toContain(ESCAPED_SCRIPT);
  expect(page).toContain(ESCAPED_ATTR);
}

let w: MergeGateWorld;
let alice: Browserless;
let bob: Browserless;
let run: any;
let passportId: string;
let reader: string;

async function review(number: number, title: string) {
  const sha = `${number}`.padStart(40, "d");
  seedPull(w, number, sha, [routeFile], title);
  const res = await queue(w, { repositoryFullName: REPO, pullRequestNumber: number, headSha: sha, pullRequestTitle: title });
  expect(res.status).toBe(202);
  return pollRun(w, ((await res.json()) as any).review.reviewRunId);
}

/** The passport as the REST API has it, once the policy evaluation that follows the review is written. */
const passportOf = (id: string, evaluations = 1) =>
  waitFor(`passport ${id} with ${evaluations} evaluation(s)`, async () => {
    const res = await w.s.request(`/api/v1/passports/${id}`, { key: reader });
    const { passport } = (await res.json()) as any;
    return passport.policyEvaluations.length >= evaluations && passport;
  });

beforeAll(async () => {
  w = await startWorld({ model: false });
  reader = await w.s.key(["read:passports"], "alice");
  run = await review(5, `Audit ${XSS_SCRIPT} ${XSS_ATTR}`);
  expect(run.status).toBe("COMPLETED");
  passportId = run.changePassportId;
  await passportOf(passportId);
  // One more evaluation whose reasons carry markup (notes are appended to the reasons as given).
  const ctx = w.s.server.ctx;
  const [row] = await ctx.db.select().from(ctx.tables.passports).where(eq(ctx.tables.passports.id, passportId));
  await evaluateMergePolicy(ctx, { passport: row, headSha: run.headSha, trigger: { reviewRunId: run.reviewRunId }, repoConfig: DEFAULT_REPO_CONFIG, notes: [`note ${XSS_SCRIPT}`, `note ${XSS_ATTR}`] });
  await passportOf(passportId, 2);
  alice = await signIn(w.s, "alice");
  bob = await signIn(w.s, "bob");
});
afterAll(() => w.stop());

describe("passport list", () => {
  test("lists the visible passports with their outcomes, escaped", async () => {
    const res = await alice.get("/dashboard/passports");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain(`href="/dashboard/passports/${passportId}"`);
    expect(page).toContain(`${REPO}#5`);
    expect(page).toContain('<a href="/dashboard/passports" aria-current="page">');
    expect(page).toContain('<th scope="col">Policy</th>');
    expect(page).toContain('href="/dashboard/passports/signing-key"');
    expectEscaped(page);
  });

  test("filters like the REST list; a bad filter is a 422 page; pages follow the cursor", async () => {
    const passport = await passportOf(passportId, 2);
    const other = ["low", "medium", "high", "critical"].find((b) => b !== passport.riskBand);
    const none = await (await alice.get(`/dashboard/passports?riskBand=${other}`)).text();
    expect(none).toContain("match these filters");
    expect(none).not.toContain(`/dashboard/passports/${passportId}"`);
    const same = await (await alice.get(`/dashboard/passports?riskBand=${passport.riskBand}&policyOutcome=${passport.policyOutcome}&repository=${REPO}&updatedSince=2020-01-01`)).text();
    expect(same).toContain(`/dashboard/passports/${passportId}"`);
    const bad = await alice.get("/dashboard/passports?riskBand=extreme");
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Bad filter: riskBand");

    const second = await review(6, "Second change");
    await passportOf(second.changePassportId);
    const first = await (await alice.get("/dashboard/passports?limit=1")).text();
    expect(first).toContain(`/dashboard/passports/${second.changePassportId}"`);
    const older = /<a href="(\/dashboard\/passports\?[^"]*cursor=[^"]+)">Older/.exec(first)?.[1];
    expect(older).toBeDefined();
    const next = await (await alice.get(older!.replaceAll("&amp;", "&"))).text();
    expect(next).toContain(`/dashboard/passports/${passportId}"`);
    expect(next).not.toContain(`/dashboard/passports/${second.changePassportId}"`);
  });

  test("someone who controls no installation sees the empty state, not the passports", async () => {
    const page = await (await bob.get("/dashboard/passports")).text();
    expect(page).toContain("No change passports yet");
    expect(page).toContain("install the GitHub App");
    expect(page).not.toContain(passportId);
  });
});

describe("passport page", () => {
  test("timeline, review runs, policy evaluations with reasons, export link; all escaped", async () => {
    const res = await alice.get(`/dashboard/passports/${passportId}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("<h1>Passport of acme/web#5</h1>");
    expect(page).toContain('<th scope="row">1</th>');
    expect(page).toContain(`review run <a href="/dashboard/review-runs/${run.reviewRunId}">`);
    expect(page).toContain(`<code title="${run.headSha}">${run.headSha.slice(0, 12)}</code>`);
    expect(page).toMatch(/evaluation <a href="#policy-[^"]+">/);
    expect(page).toContain("Policy evaluations (2, newest first)");
    expect(page).toContain(`note ${ESCAPED_SCRIPT}`);
    expect(page).toContain(`href="/api/v1/passports/${passportId}/export"`);
    expectEscaped(page);
    // The timeline pages newest first: the cursor is the last sequence shown.
    const older = await (await alice.get(`/dashboard/passports/${passportId}?cursor=2`)).text();
    expect(older).toContain('<th scope="row">1</th>');
    expect(older).not.toContain('<th scope="row">3</th>');
  });

  test("the export link downloads the signed bundle with the session cookie", async () => {
    const res = await alice.get(`/api/v1/passports/${passportId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain(`passport-${passportId}.json`);
    const bundle = (await res.json()) as any;
    expect(bundle.passport.passportId).toBe(passportId);
    expect(bundle.signature.algorithm).toBe("Ed25519");
  });

  test("a passport of an installation the user does not control is a 404 page", async () => {
    const res = await bob.get(`/dashboard/passports/${passportId}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain(`Passport ${passportId} not found`);
    expect(page).not.toContain(ESCAPED_SCRIPT);
    expect((await alice.get("/dashboard/passports/nope")).status).toBe(404);
  });

  test("the signing key page lists the public keys with the current one marked", async () => {
    const rest = (await (await alice.get("/api/v1/passports/signing-key")).json()) as any;
    const res = await alice.get("/dashboard/passports/signing-key");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(rest.currentKeyId);
    expect(page).toContain('<span class="badge badge-active">current</span>');
    expect(page).toContain("-----BEGIN PUBLIC KEY-----");
    expect(page).toContain('data-copy="key-pem-0"');
  });
});

test("without a session every passport page redirects to sign-in, keeping where it was", async () => {
  for (const path of ["/dashboard/passports?riskBand=high", `/dashboard/passports/${passportId}`, "/dashboard/passports/signing-key"]) {
    const res = await fetch(`${w.s.url}${path}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  }
});
