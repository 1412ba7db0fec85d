import type { AppContext } from "../../src/context.ts";
import { appendEvent } from "./events.ts";
import { pushChanges } from "./github-delivery.ts";
import { type RunRow, updateRun } from "./store.ts";
import { runUrls } from "./views.ts";
import type { Diffstat, Workspace } from "./workspace.ts";

/**
 * After a turn: the patch against the base (kept on the run, served at …/patch), then, when the run pushes, one
 * commit with everything since the base on its branch and the draft pull request on the first push. A patch that
 * does not apply to the base is reported and not pushed.
 */
export async function deliverTurn(ctx: AppContext, run: RunRow, workspace: Workspace, turn: number): Promise<RunRow> {
  const { patch, diffstat } = await workspace.patch();
  let updated = await savePatch(ctx, run.id, turn, patch, diffstat);
  if (!run.branchName || !run.repository || !run.installationId || !run.baseSha || diffstat.files === 0) return updated;
  const check = await workspace.appliesToBase(patch);
  if (!check.ok) throw new Error(`the patch does not apply to ${run.baseSha.slice(0, 12)} and was not pushed: ${check.problem}`);
  const title = run.pullRequestTitle ?? `Critique agent: ${firstLine(run.prompt, 70)}`;
  const pushed = await pushChanges(ctx, { installationId: run.installationId, repository: run.repository }, {
    baseSha: run.baseSha,
    ref: run.ref ?? run.baseSha,
    previousCommit: run.commitSha ?? run.pushOnto,
    branch: run.branchName,
    message: commitMessage(run, title, turn),
    files: await workspace.changedFiles(),
    pullRequest: run.createPullRequest && !run.pullRequestNumber ? { title, body: pullRequestBody(run) } : null,
  });
  updated = await updateRun(ctx, run.id, { commitSha: pushed.commitSha, ...(pushed.pullRequest ? { pullRequestNumber: pushed.pullRequest.number, pullRequestUrl: pushed.pullRequest.url } : {}) });
  await appendEvent(ctx, run.id, "pull_request", { turn, branch: run.branchName, commitSha: pushed.commitSha, pullRequestUrl: updated.pullRequestUrl, pullRequestNumber: updated.pullRequestNumber });
  return updated;
}

/** Keeps the patch on the run and tells the stream. */
export async function savePatch(ctx: AppContext, runId: string, turn: number, patch: string, diffstat: Diffstat): Promise<RunRow> {
  const run = await updateRun(ctx, runId, { patch, diffstat });
  await appendEvent(ctx, runId, "patch", { turn, diffstat, patchUrl: runUrls(ctx, runId).patch });
  return run;
}

function commitMessage(run: RunRow, title: string, turn: number): string {
  if (run.commitMessage && !run.commitSha) return run.commitMessage;
  return `${turn === 1 ? title : `Follow-up: ${firstLine(run.pendingPrompt ?? "", 60)}`}\n\nCoding agent run ${run.id}, turn ${turn}.`;
}

function firstLine(text: string, max: number): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function pullRequestBody(run: RunRow): string {
  return [`Opened by a Critique coding-agent run (\`${run.id}\`, model \`${run.model}\`).`, "", "> The prompt is not repeated here; see the run.", "", "Review it like any other change: nothing here was approved or merged by the agent."].join("\n");
}
