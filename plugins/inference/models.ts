import type { AppContext, Principal } from "../../src/context.ts";
import { decimalFraction } from "../../src/models/index.ts";
import { mayUse } from "./access.ts";
import type { Breakers } from "./breaker.ts";
import type { ModelEntry } from "./model.ts";
import { targetKey } from "./upstream.ts";

/** When the server started: OpenAI's `created` for models that have no date of their own. */
const STARTED = Math.floor(Date.now() / 1000);

/** A price after the training discount, exact to the decimals the config spelled (0.28 × 25% = 0.07, not 0.07000000000000001). */
function discounted(price: number, discount: number): number {
  const p = decimalFraction(price);
  const d = decimalFraction(discount);
  const value = (p.numerator * (d.denominator - d.numerator) * 10n ** 12n) / (p.denominator * d.denominator);
  return Number(value) / 1e12;
}

/** The models this key may use, in OpenAI's list shape plus prices, context window and current health. */
export function listModels(ctx: AppContext, breakers: Breakers, principal: Principal): { object: "list"; data: ModelEntry[] } {
  const data = ctx.models
    .list()
    .filter((model) => mayUse(principal, model.id))
    .map((model): ModelEntry => {
      const states = ctx.models.targets(model.id).map((t) => breakers.state(targetKey(t)));
      const health = states.every((s) => s === "closed") ? "healthy" : states.every((s) => s === "open") ? "unavailable" : "degraded";
      return {
        id: model.id,
        object: "model",
        created: STARTED,
        owned_by: model.targets[0].provider,
        pricing: {
          input_per_million: model.inputPricePerMillion,
          output_per_million: model.outputPricePerMillion,
          training_opt_in: {
            input_per_million: discounted(model.inputPricePerMillion, model.trainingDiscount),
            output_per_million: discounted(model.outputPricePerMillion, model.trainingDiscount),
          },
        },
        context_window: model.contextWindow,
        max_output_tokens: model.maxOutputTokens,
        health,
      };
    });
  return { object: "list", data };
}
