import type { ModelConfig } from "../../src/config/index.ts";
import { openCredential } from "../../src/credentials/index.ts";
import type { AppContext, Principal } from "../../src/context.ts";
import type { ResolvedTarget } from "../../src/models/index.ts";
import type { InferenceDeps } from "./completion.ts";
import { InferenceError } from "./errors.ts";

/** The request header carrying a caller's own upstream key (BYOK). */
export const UPSTREAM_KEY_HEADER = "x-critique-upstream-key";

/** The model, if it is configured, on this key's allow-list, and the key is within its requests per minute. */
export async function permitModel(ctx: AppContext, deps: InferenceDeps, principal: Principal, modelId: string): Promise<ModelConfig> {
  if (!ctx.models.has(modelId)) {
    throw new InferenceError("NOT_FOUND", `The model "${modelId}" does not exist on this server (GET /api/v1/models lists the models)`, { param: "model", code: "model_not_found" });
  }
  const settings = principal.inference;
  if (settings?.allowedModels && !settings.allowedModels.includes(modelId)) {
    throw new InferenceError("FORBIDDEN", `This API key may not use the model "${modelId}" (it may use: ${settings.allowedModels.join(", ")})`, { param: "model", code: "model_not_allowed" });
  }
  if (settings?.rpmLimit) {
    const decision = await deps.limiter.hit(principal.keyId, settings.rpmLimit);
    if (!decision.allowed) {
      throw new InferenceError("RATE_LIMITED", `This API key is limited to ${settings.rpmLimit} requests per minute; retry in ${decision.retryAfterS} s`, { code: "rate_limit_exceeded" }, { "retry-after": String(decision.retryAfterS) });
    }
  }
  return ctx.models.get(modelId);
}

/** Whether a key's allow-list lets it see a model (for GET /models). */
export const mayUse = (principal: Principal, modelId: string) => !principal.inference?.allowedModels || principal.inference.allowedModels.includes(modelId);

/**
 * The targets to try. With a caller's own key only providers that allow BYOK are eligible (the key belongs to
 * the caller's account there), and the call is recorded but not charged.
 */
export function chooseTargets(ctx: AppContext, model: ModelConfig, upstreamKey: string | undefined): { targets: ResolvedTarget[]; byok: boolean } {
  const targets = ctx.models.targets(model.id);
  if (upstreamKey === undefined) return { targets, byok: false };
  if (!upstreamKey.trim()) throw new InferenceError("BAD_REQUEST", `${UPSTREAM_KEY_HEADER} is empty: send your upstream key, or leave the header out`, { param: UPSTREAM_KEY_HEADER });
  const eligible = targets.filter((t) => t.provider.allowByok);
  if (eligible.length === 0) {
    throw new InferenceError("FORBIDDEN", `The model "${model.id}" has no upstream that accepts your own key (${UPSTREAM_KEY_HEADER}); send the request without it`, { param: UPSTREAM_KEY_HEADER, code: "byok_not_allowed" });
  }
  return { targets: eligible, byok: true };
}

/**
 * The caller's own upstream key: the header's, or the stored credential a key is bound to (coding-agent runs
 * billed to the user's OpenRouter account), which never leaves the server except to the upstream.
 */
export async function upstreamKeyOf(ctx: AppContext, principal: Principal, header: string | undefined): Promise<string | undefined> {
  const credential = principal.inference?.upstreamCredential;
  if (!credential) return header;
  const stored = await openCredential(ctx, principal.userId, credential);
  if (!stored) throw new InferenceError("FORBIDDEN", `This key bills models to your ${credential} key, which is no longer stored`, { code: "byok_credential_missing" });
  return stored;
}
