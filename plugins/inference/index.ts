import type { AppContext } from "../../src/context.ts";
import { Breakers } from "./breaker.ts";
import type { InferenceDeps } from "./completion.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { inferenceRoutes } from "./routes.ts";

/** The Inference API surface: an OpenAI-compatible gateway over the configured models, metered in credits. */
export function inference(ctx: AppContext) {
  const settings = ctx.config.file.inference;
  const deps: InferenceDeps = {
    breakers: new Breakers(settings.breakerFailures, settings.breakerCooldownMs),
    limiter: createRateLimiter(ctx),
    settings,
  };
  return [inferenceRoutes(ctx, deps)];
}
