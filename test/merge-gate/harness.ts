import { expect } from "bun:test";
import { inArray } from "drizzle-orm";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureUser } from "../../src/auth/users.ts";
import { grantInstallation } from "../../src/github/installations.ts";
import { FakeGitHub, type SeedFile } from "../fakes/github.ts";
import { FakeOpenAI } from "../fakes/openai.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

export const INSTALLATION = 77;
export const REPO = "acme/web";
export const BASE_SHA = "1111111111111111111111111111111111111111";
export const WEBHOOK_SECRET = "gh-webhook-secret-for-tests";
export const GITHUB_TOKEN = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");

export const routePatch = [
  "@@ -10,6 +10,12 @@ import { db } from '../db';",
  " export async function POST(req: Request) {",
  "   const body = await req.json();",
  "-  await requireAdmin(req);",
  "+  const users = await db.users.findMany();",
  "+  for (const user of users) {",
  "+    await db.audit.insert({ user: user.id });",
  "+  }",
  "+  await notify(body);",
  "+  return Response.json({ ok: true, count: users.length });",
  "   return Response.json({ ok: true });",
  " }",
].join("\n");

export const routeFile: SeedFile = { filename: "src/app/api/admin/users/route.ts", patch: routePatch };
export const secretFile: SeedFile = { filename: "src/config.ts", status: "added", patch: `@@ -0,0 +1,3 @@\n+export const config = {\n+  token: "${GITHUB_TOKEN}",\n+};` };

export interface MergeGateWorld {
  s: TestServer;
  gh: FakeGitHub;
  llm: FakeOpenAI;
  /** alice controls installation 77; bob controls nothing. */
  alice: string;
  bob: string;
  stop(): Promise<void>;
}

/** A server wired to a fake GitHub App (and, with `model`, a fake model upstream), plus seeded users and keys. */
export async function startWorld(options: { model?: boolean; configYaml?: string; env?: Record<string, string> } = {}): Promise<MergeGateWorld> {
  const gh = FakeGitHub.start();
  const llm = FakeOpenAI.start();
  gh.addRepo(REPO, { installationId: INSTALLATION });
  const env: Record<string, string> = { ...gh.env({ webhookSecret: WEBHOOK_SECRET }), ...options.env };
  if (options.model) Object.assign(env, { CRITIQUE_LLM_BASE_URL: llm.baseURL, CRITIQUE_LLM_MODEL: "fake-model", CRITIQUE_LLM_API_KEY: "sk-upstream" });
  if (options.configYaml) {
    const path = join(mkdtempSync(join(tmpdir(), "critique-config-")), "critique.yml");
    writeFileSync(path, options.configYaml);
    env.CRITIQUE_CONFIG = path;
  }
  const s = await startTestServer(env);
  const ctx = s.server.ctx;
  const aliceUser = await ensureUser(ctx, "alice");
  await grantInstallation(ctx, String(INSTALLATION), aliceUser.id);
  return {
    s,
    gh,
    llm,
    alice: await s.key(["read:reviews", "write:reviews"], "alice"),
    bob: await s.key(["read:reviews", "write:reviews"], "bob"),
    stop: async () => {
      await s.stop();
      gh.stop();
      llm.stop();
    },
  };
}

export function seedPull(world: MergeGateWorld, number: number, headSha: string, files: SeedFile[], title = "Add admin audit") {
  world.gh.addPull(REPO, { number, title, base: { ref: "main", sha: BASE_SHA }, head: { ref: `feature-${number}`, sha: headSha }, files });
}

export async function queue(world: MergeGateWorld, body: Record<string, unknown>, key = world.alice) {
  return world.s.request("/api/v1/reviews", { method: "POST", key, json: body });
}

/** Polls a run until it is terminal (COMPLETED, FAILED, CANCELLED), with a deadline. */
export async function pollRun(world: MergeGateWorld, id: string, key = world.alice, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await world.s.request(`/api/v1/review-runs/${id}?findings=all`, { key });
    expect(res.status).toBe(200);
    const { reviewRun } = (await res.json()) as { reviewRun: any };
    if (["COMPLETED", "FAILED", "CANCELLED"].includes(reviewRun.status)) return reviewRun;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${reviewRun.status} after ${timeoutMs} ms`);
    await Bun.sleep(25);
  }
}

/** Answers per specialist: the fake model sees which specialist is asking in the system prompt. */
export function scriptSpecialists(llm: FakeOpenAI, answers: Partial<Record<string, unknown[]>>) {
  llm.responder = (body: any) => {
    const system = String(body.messages?.[0]?.content ?? "");
    const specialist = /You are the (\w+) specialist/.exec(system)?.[1] ?? "";
    return { json: { findings: answers[specialist] ?? [] } };
  };
}

/** Waits until no job is queued or running: GitHub output is written just after a run is marked COMPLETED. */
export async function jobsIdle(world: MergeGateWorld, timeoutMs = 20_000) {
  const ctx = world.s.server.ctx;
  const { jobs } = ctx.tables;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = await ctx.db.select({ id: jobs.id }).from(jobs).where(inArray(jobs.status, ["queued", "running"])).limit(1);
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new Error("jobs still busy");
    await Bun.sleep(20);
  }
}
