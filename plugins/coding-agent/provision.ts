import type { AppContext } from "../../src/context.ts";
import { openRunKey } from "./billing.ts";
import { fetchRepository } from "./github-delivery.ts";
import { startOpencode } from "./runtime/opencode.ts";
import type { Sandbox } from "./sandbox/provider.ts";
import type { CodingAgentServices } from "./services.ts";
import { type RunRow, updateRun } from "./store.ts";
import { Workspace } from "./workspace.ts";

/**
 * A run's first turn starts here: a fresh sandbox, the repository at `ref` brought in by the server (or an empty
 * workspace), the base recorded, and the agent started with the run's key. Returns the sandbox and the run as
 * updated (base SHA, session).
 */
export async function provisionRun(ctx: AppContext, services: CodingAgentServices, run: RunRow): Promise<{ sandbox: Sandbox; run: RunRow }> {
  const sandbox = await services.provider.create(run.id);
  try {
    await updateRun(ctx, run.id, { sandboxId: sandbox.id, sandboxOwner: services.processId });
    let source: { baseSha: string; ref: string; tarball: Uint8Array } | undefined;
    if (run.repository && run.installationId) source = await fetchRepository(ctx, { installationId: run.installationId, repository: run.repository }, run.ref);
    ctx.log.debug({ runId: run.id, baseSha: source?.baseSha, bytes: source?.tarball.byteLength }, "coding agent: repository fetched");
    await new Workspace(sandbox).init(source?.tarball);
    ctx.log.debug({ runId: run.id }, "coding agent: workspace ready, starting the agent");
    const model = ctx.models.get(run.model);
    const sessionId = await startOpencode(sandbox, model, openRunKey(ctx, run), `Critique run ${run.id}`);
    const updated = await updateRun(ctx, run.id, { baseSha: source?.baseSha ?? null, ref: source?.ref ?? run.ref, agentSessionId: sessionId });
    return { sandbox, run: updated };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}
