import { eq } from "drizzle-orm";
import { revokeKey } from "../../src/auth/keys.ts";
import type { ModelConfig } from "../../src/config/index.ts";
import type { AppContext, ServiceContext } from "../../src/context.ts";
import { credentialInfo } from "../../src/credentials/index.ts";
import { AppError } from "../../src/errors.ts";
import { newId } from "../../src/ids.ts";
import { assertWebhookUrl } from "../../src/webhooks/index.ts";
import { resolveVisibleRepository } from "../../src/github/installations.ts";
import { holdSandboxTime, mintRunKey, releaseHold } from "./billing.ts";
import { appendEvent } from "./events.ts";
import { turnJob } from "./turn-job.ts";
import { type CreateRunInput, RUN_EVENTS } from "./model.ts";
import type { CodingAgentServices } from "./services.ts";
import type { RunRow } from "./store.ts";
import { runWebhookAad } from "./webhooks.ts";

/** Models runs may use: the configured subset, or every model. */
export function agentModels(ctx: AppContext): ModelConfig[] {
  const allowed = ctx.config.file.codingAgent.models;
  return ctx.config.file.models.filter((m) => !allowed || allowed.includes(m.id));
}

export function defaultModel(ctx: AppContext): ModelConfig | undefined {
  const configured = ctx.config.file.codingAgent.defaultModel;
  return agentModels(ctx).find((m) => m.id === configured) ?? agentModels(ctx)[0];
}

export function chooseModel(ctx: AppContext, id: string | undefined): ModelConfig {
  if (!id) {
    const model = defaultModel(ctx);
    if (!model) throw new AppError("UNAVAILABLE", "No model is configured for coding-agent runs on this server (CRITIQUE_CONFIG models, or CRITIQUE_LLM_*)");
    return model;
  }
  const model = agentModels(ctx).find((m) => m.id === id);
  if (!model) throw new AppError("VALIDATION", `model: unknown model "${id}" (GET /api/v1/coding-agent/models lists the models runs may use)`);
  return model;
}

/** The request may lower the server's limits, never raise them. */
function limitsFor(ctx: AppContext, requested: CreateRunInput["limits"]): RunRow["limits"] {
  const server = ctx.config.file.codingAgent.limits;
  const limits = { ...server };
  for (const name of ["maxMinutes", "maxCredits", "maxTurns"] as const) {
    const value = requested?.[name];
    if (value === undefined) continue;
    if (value > server[name]) throw new AppError("VALIDATION", `limits.${name}: at most ${server[name]} on this server`);
    limits[name] = value;
  }
  return limits;
}

async function checkBilling(ctx: ServiceContext, billing: "credits" | "openrouter", model: ModelConfig) {
  if (billing !== "openrouter") return;
  if (!(await credentialInfo(ctx, ctx.principal.userId, "openrouter"))) {
    throw new AppError("VALIDATION", "billing: store your OpenRouter key first (PUT /api/v1/account/openrouter-key), or use billing: credits");
  }
  if (!ctx.models.targets(model.id).some((t) => t.provider.allowByok)) {
    throw new AppError("VALIDATION", `billing: the model "${model.id}" has no upstream that accepts your own key (allowByok); use billing: credits`);
  }
}

/**
 * What another surface (the merge gate's remedy) may ask for beyond the public body: push onto a branch that
 * exists and must still point at `pushOnto` (instead of creating a branch), with this first commit message.
 */
export interface InternalRunOptions {
  pushOnto?: string;
  commitMessage?: string;
}

export interface CreatedRun {
  run: RunRow;
  /** False when the Idempotency-Key named a run that already existed (returned as it is). */
  created: boolean;
}

/**
 * Starts a run: everything is checked before anything is written (nothing half-created), the sandbox time is
 * held, the run key minted, the row and its first event written, and the first turn queued.
 */
export async function createRun(ctx: ServiceContext, services: CodingAgentServices, input: CreateRunInput, idempotencyKey: string | undefined, internal: InternalRunOptions = {}): Promise<CreatedRun> {
  const t = ctx.tables.codingAgentRuns;
  const idem = idempotencyKey ? `${ctx.principal.userId}:${idempotencyKey}` : null;
  if (idem) {
    const [existing] = await ctx.db.select().from(t).where(eq(t.idempotencyKey, idem));
    if (existing) return { run: existing, created: false };
  }
  const model = chooseModel(ctx, input.model);
  const billing = input.billing ?? "credits";
  const limits = limitsFor(ctx, input.limits);
  if ((input.createPullRequest || input.branchName) && !input.repository) throw new AppError("VALIDATION", "repository: is required to push a branch or open a pull request");
  if (input.ref && !input.repository) throw new AppError("VALIDATION", "ref: needs a repository");
  if (internal.pushOnto && !input.branchName) throw new Error("pushOnto needs the branchName it expects to find there");
  const { usable, reason } = services.provider.availability();
  if (!usable) throw new AppError("UNAVAILABLE", `Coding-agent runs cannot start on this server: ${reason}`);
  await checkBilling(ctx, billing, model);
  const repository = input.repository ? await resolveVisibleRepository(ctx, ctx.principal, input.repository) : null;
  if (input.webhook) await assertWebhookUrl(ctx, input.webhook.url, "webhook.url");

  const id = newId();
  const reservationId = await holdSandboxTime(ctx, ctx.principal.userId, id, limits);
  try {
    const runKey = await mintRunKey(ctx, ctx.principal, id, model.id, billing, limits);
    const now = new Date();
    const push = Boolean(input.createPullRequest || input.branchName);
    const inserted = await ctx.db
      .insert(t)
      .values({
        id,
        userId: ctx.principal.userId,
        status: "QUEUED",
        model: model.id,
        billing,
        prompt: input.prompt,
        repository: repository?.fullName ?? null,
        installationId: repository?.installationId ?? null,
        ref: input.ref ?? null,
        createPullRequest: input.createPullRequest ?? false,
        branchName: push ? (input.branchName ?? `critique/agent-${id.slice(-12)}`) : null,
        pullRequestTitle: input.pullRequestTitle ?? null,
        pushOnto: internal.pushOnto ?? null,
        commitMessage: internal.commitMessage ?? null,
        limits,
        webhook: input.webhook ? { url: input.webhook.url, events: input.webhook.events ?? [...RUN_EVENTS], secret: ctx.secrets.encrypt(runWebhookAad(id), input.webhook.secret) } : null,
        metadata: input.metadata ?? null,
        idempotencyKey: idem,
        provider: services.provider.name,
        runKeyId: runKey.id,
        runKey: runKey.sealed,
        reservationId,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) {
      // The same Idempotency-Key won a race a moment ago: give back what this attempt took, answer with that run.
      await releaseHold(ctx, reservationId);
      await revokeKey(ctx, runKey.id);
      const [existing] = await ctx.db.select().from(t).where(eq(t.idempotencyKey, idem!));
      return { run: existing, created: false };
    }
    await appendEvent(ctx, id, "status", { status: "QUEUED" });
    await ctx.jobs.enqueue(turnJob, { runId: id, turn: 1 }, { dedupeKey: `coding-agent:${id}:1` });
    ctx.log.info({ runId: id, model: model.id, repository: repository?.fullName ?? null, billing }, "coding agent run queued");
    return { run: inserted[0], created: true };
  } catch (error) {
    await releaseHold(ctx, reservationId).catch(() => undefined);
    throw error;
  }
}
