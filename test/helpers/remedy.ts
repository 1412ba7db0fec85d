import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureUser } from "../../src/auth/users.ts";
import { grantInstallation } from "../../src/github/installations.ts";
import { AgentUpstream } from "../fakes/agent-upstream.ts";
import { FakeGitHub } from "../fakes/github.ts";
import { waitFor } from "./jobs.ts";
import { startTestServer, type TestServer } from "./server.ts";

/** A credential in GitHub's real format: the deterministic secret scan reports it as a FAIL finding. */
export const LEAKED_TOKEN = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");
export const leakyFile = (name: string) => `export const ${name} = {\n  token: "${LEAKED_TOKEN}",\n};\n`;
export const cleanFile = (name: string) => `export const ${name} = {\n  token: process.env.TOKEN,\n};\n`;

export interface FailingPull {
  number: number;
  branch: string;
  headSha: string;
  reviewRunId: string;
  findings: any[];
}

export interface RemedyHarness {
  server: TestServer;
  github: FakeGitHub;
  upstream: AgentUpstream;
  /** On installation 601, controlled by `alice`. */
  repo: string;
  /** alice's key with the merge gate's and the coding agent's scopes. */
  key: string;
  /**
   * A pull request from a new branch adding these files (e.g. `leakyFile`) onto `main`, reviewed to COMPLETED
   * through the API (deterministic checks only: no review model).
   */
  failingPull(files: Record<string, string>, options?: { headRepo?: string }): Promise<FailingPull>;
  queueRemedy(reviewRunId: string, body?: Record<string, unknown>, key?: string): Promise<{ res: Response; body: any }>;
  getRemedy(id: string, key?: string): Promise<any>;
  /** Waits (bounded) for the remedy to reach one of the statuses. */
  waitRemedy(id: string, statuses: string[], timeoutMs?: number): Promise<any>;
  review(id: string): Promise<any>;
  stop(): Promise<void>;
}

let dirs = 0;
let branches = 0;

export async function startRemedyHarness(options: { env?: Record<string, string>; config?: Record<string, unknown> } = {}): Promise<RemedyHarness> {
  const github = FakeGitHub.start();
  const upstream = AgentUpstream.start();
  const repo = "acme/remedied";
  github.addRepo(repo, { installationId: 601 });
  github.setBranch(repo, "main", { "README.md": "# Remedied\n", "src/app.ts": "export const app = 1;\n" });
  const dir = mkdtempSync(join(tmpdir(), `critique-remedy-${dirs++}-`));
  const config = {
    providers: [{ id: "agent", baseUrl: upstream.fake.baseURL, timeoutMs: 10_000 }],
    models: [{ id: "coder", targets: [{ provider: "agent", model: "up-coder" }], inputPricePerMillion: 10, outputPricePerMillion: 30 }],
    codingAgent: { defaultModel: "coder", idleTtlSeconds: 60, heartbeatSeconds: 0.5, sandboxPricePerMinute: 0.6 },
    ...options.config,
  };
  const file = join(dir, "critique.yaml");
  writeFileSync(file, Bun.YAML.stringify(config));
  const server = await startTestServer({ CRITIQUE_CONFIG: file, ...github.env(), ...options.env });
  const alice = await ensureUser(server.server.ctx, "alice");
  await grantInstallation(server.server.ctx, "601", alice.id);
  const key = await server.key(["read:reviews", "write:reviews", "read:builder", "write:builder", "manage:webhooks", "read:passports"], "alice");

  const review = async (id: string) => ((await (await server.request(`/api/v1/review-runs/${id}?findings=all`, { key })).json()) as any).reviewRun;
  const getRemedy = async (id: string, asKey = key) => ((await (await server.request(`/api/v1/remedy-runs/${id}`, { key: asKey })).json()) as any).remedyRun;
  return {
    server,
    github,
    upstream,
    repo,
    key,
    async failingPull(files, pullOptions = {}) {
      const branch = `feature-${branches++}`;
      github.setBranch(repo, branch, { ...github.filesAt(repo, "main"), ...files }, `Add ${Object.keys(files).join(", ")}`);
      const headSha = github.branchSha(repo, branch)!;
      // A fork pull's branch leaves the base repository (it lives in the fork): read its sha first.
      const number = github.openPull(repo, { head: branch, base: "main", title: `Change ${branch}`, headRepo: pullOptions.headRepo });
      const res = await server.request("/api/v1/reviews", { method: "POST", key, json: { repositoryFullName: repo, pullRequestNumber: number, headSha } });
      const { review: queued } = (await res.json()) as any;
      const done = await waitFor(`review ${queued.reviewRunId}`, async () => {
        const run = await review(queued.reviewRunId);
        return ["COMPLETED", "FAILED"].includes(run.status) ? run : undefined;
      }, 30_000);
      if (done.status !== "COMPLETED") throw new Error(`the review failed: ${done.failureReason}`);
      return { number, branch, headSha, reviewRunId: done.reviewRunId, findings: done.findings };
    },
    async queueRemedy(reviewRunId, body = {}, asKey = key) {
      const res = await server.request(`/api/v1/review-runs/${reviewRunId}/remedy`, { method: "POST", key: asKey, json: body });
      return { res, body: await res.json() };
    },
    getRemedy,
    waitRemedy: (id, statuses, timeoutMs = 60_000) =>
      waitFor(`remedy ${id} to be ${statuses.join(" or ")}`, async () => {
        const remedy = await getRemedy(id);
        return statuses.includes(remedy.status) ? remedy : undefined;
      }, timeoutMs),
    review,
    async stop() {
      await server.stop();
      github.stop();
      upstream.stop();
    },
  };
}
