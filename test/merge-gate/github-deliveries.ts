import { expect } from "bun:test";
import { createHmac } from "node:crypto";
import { resolve } from "node:path";
import { jobsIdle, type MergeGateWorld, WEBHOOK_SECRET } from "./harness.ts";

let counter = 0;

/** Sends a signed GitHub App delivery, as GitHub does, and waits until the jobs it started are done. */
export async function deliverGitHub(w: MergeGateWorld, event: string, payload: unknown) {
  const raw = JSON.stringify(payload);
  const res = await w.s.request("/api/github/webhooks", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": `test-${process.pid}-${++counter}`,
      "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(raw).digest("hex")}`,
      "user-agent": "GitHub-Hookshot/abc",
    },
    body: raw,
  });
  expect(res.status).toBe(202);
  await jobsIdle(w);
}

/** GitHub's `installation` event (created / deleted), trimmed to the fields GitHub always sends that we read. */
export function installationEvent(action: "created" | "deleted", id: number, account: string, sender: string, repositories: string[] = []) {
  return {
    action,
    installation: { id, account: { login: account, type: "Organization" }, suspended_at: null },
    repositories: repositories.map((full_name) => ({ full_name, name: full_name.split("/")[1], private: true })),
    sender: { login: sender, type: "User" },
  };
}

/** GitHub's `pull_request` event for a repository on an installation. */
export function pullRequestEvent(action: string, installationId: number, fullName: string, number: number, sha: string) {
  return {
    action,
    number,
    installation: { id: installationId },
    repository: { full_name: fullName, owner: { login: fullName.split("/")[0], type: "Organization" } },
    pull_request: { number, title: `PR ${number}`, draft: false, head: { sha, ref: `f-${number}` }, base: { ref: "main", sha: "1".repeat(40) } },
    sender: { login: "octocat", type: "User" },
  };
}

/** Runs `bun src/cli/main.ts …` as an operator would, against the world's database. */
export async function critiqueCli(w: MergeGateWorld, ...args: string[]) {
  const proc = Bun.spawn(["bun", "src/cli/main.ts", ...args], {
    cwd: resolve(import.meta.dir, "../.."),
    env: { PATH: process.env.PATH ?? "", ...w.s.backends.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}
