import { and, desc, eq, gte, lt, type SQL, sum } from "drizzle-orm";
import { publicLink } from "../../src/config/index.ts";
import type { AppContext, ServiceContext } from "../../src/context.ts";
import { toCredits } from "../../src/credits/index.ts";
import type { ListRunsQuery, RunStatus, RunView } from "./model.ts";
import type { RunRow } from "./store.ts";

/** Micro-credits the run has cost so far: sandbox time (settled, or as it stands) plus every model call it made. */
export async function creditsUsedMicro(ctx: AppContext, run: RunRow): Promise<number> {
  const u = ctx.tables.inferenceUsage;
  // Through the (user, time) index: the run key's calls are the user's since the run began (less an hour, for
  // clocks of other server hosts). Read every 250 ms while a turn runs, so it must not scan the whole usage log.
  const since = new Date(run.createdAt.getTime() - 60 * 60_000);
  const where = run.runKeyId && and(eq(u.userId, run.userId), gte(u.createdAt, since), eq(u.keyId, run.runKeyId));
  const tokens = where ? Number((await ctx.db.select({ total: sum(u.cost) }).from(u).where(where))[0]?.total ?? 0) : 0;
  return tokens + (run.sandboxCost ?? sandboxCostMicro(ctx, run.sandboxMs));
}

/** Credits per minute of sandbox time on the configured provider. */
export function sandboxPricePerMinute(ctx: AppContext): number {
  const { sandboxPricePerMinute: price, provider } = ctx.config.file.codingAgent;
  return typeof price === "number" ? price : price[provider];
}

/** Sandbox time at the configured price, rounded up to whole micro-credits. */
export function sandboxCostMicro(ctx: AppContext, ms: number): number {
  return Math.ceil((ms / 60_000) * sandboxPricePerMinute(ctx) * 1_000_000);
}

/** A run's absolute URLs (CRITIQUE_PUBLIC_URL), as every payload and event names them. */
export function runUrls(ctx: AppContext, runId: string): RunView["urls"] {
  const base = publicLink(ctx.config, `/api/v1/coding-agent/runs/${runId}`);
  return { run: base, stream: `${base}/stream`, patch: `${base}/patch`, messages: `${base}/messages` };
}

export async function runView(ctx: AppContext, run: RunRow): Promise<RunView> {
  const urls = runUrls(ctx, run.id);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: run.id,
    object: "coding_agent.run",
    status: run.status as RunStatus,
    model: run.model,
    billing: run.billing as RunView["billing"],
    provider: run.provider,
    repository: run.repository,
    ref: run.ref,
    baseSha: run.baseSha,
    turns: run.turns,
    summary: run.summary,
    diffstat: run.diffstat ?? null,
    patchUrl: run.patch !== null ? urls.patch : null,
    branch: run.commitSha ? run.branchName : null,
    commitSha: run.commitSha,
    pullRequestUrl: run.pullRequestUrl,
    pullRequestNumber: run.pullRequestNumber,
    creditsUsed: toCredits(await creditsUsedMicro(ctx, run)),
    limits: run.limits,
    failureReason: run.failureReason,
    metadata: run.metadata ?? null,
    urls,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    startedAt: iso(run.startedAt),
    idleUntil: iso(run.idleUntil),
    completedAt: iso(run.completedAt),
  };
}

/** The caller's runs, newest first; `nextCursor` is the id to continue after. */
export async function listRuns(ctx: ServiceContext, query: ListRunsQuery): Promise<{ runs: RunView[]; nextCursor: string | null }> {
  const t = ctx.tables.codingAgentRuns;
  const where: SQL[] = [eq(t.userId, ctx.principal.userId)];
  if (query.status) where.push(eq(t.status, query.status));
  if (query.repository) where.push(eq(t.repository, query.repository));
  if (query.cursor) where.push(lt(t.id, query.cursor));
  const rows = await ctx.db
    .select()
    .from(t)
    .where(and(...where))
    .orderBy(desc(t.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { runs: await Promise.all(page.map((row) => runView(ctx, row))), nextCursor: rows.length > query.limit ? page[page.length - 1].id : null };
}
