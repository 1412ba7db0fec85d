import type { z } from "zod";
import type { AppContext } from "../../src/context.ts";
import type { modelsResponse } from "./model.ts";
import { agentModels, defaultModel } from "./runs.ts";
import type { CodingAgentServices } from "./services.ts";
import { sandboxPricePerMinute } from "./views.ts";

/** What a client needs to choose: the models, their prices, and whether the sandbox can run at all. */
export function listModels(ctx: AppContext, services: CodingAgentServices): z.output<typeof modelsResponse> {
  const settings = ctx.config.file.codingAgent;
  const fallback = defaultModel(ctx)?.id;
  const { usable, reason } = services.provider.availability();
  return {
    models: agentModels(ctx).map((m) => ({ id: m.id, default: m.id === fallback, pricing: { input: m.inputPricePerMillion, output: m.outputPricePerMillion }, contextWindow: m.contextWindow })),
    sandbox: { provider: services.provider.name, usable, reason, pricePerMinute: sandboxPricePerMinute(ctx), idleTtlSeconds: settings.idleTtlSeconds },
    billing: ["credits", "openrouter"],
  };
}
