import type { AppContext } from "../../src/context.ts";
import { Breakers } from "./breaker.ts";
import type { InferenceDeps } from "./completion.ts";
import { CreditPools } from "./credit-pool.ts";
import { KeepAliveTicker } from "./keep-alive.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { priceStrandedBlocks } from "./reclaim.ts";
import { inferenceRoutes } from "./routes.ts";
import { UsageLog } from "./usage-log.ts";

/** The Inference API surface: an OpenAI-compatible gateway over the configured models, metered in credits. */
export function inference(ctx: AppContext) {
  const settings = ctx.config.file.inference;
  const settling = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    settling.add(work);
    void work.finally(() => settling.delete(work));
  };
  const usage = new UsageLog(ctx, 100);
  const deps: InferenceDeps = {
    breakers: new Breakers(settings.breakerFailures, settings.breakerCooldownMs),
    limiter: createRateLimiter(ctx),
    settings,
    settling,
    keepAlive: new KeepAliveTicker(settings.keepAliveMs),
    books: {
      pools: new CreditPools(ctx, { leaseCalls: settings.creditBlockCalls, maxLeaseCalls: settings.creditBlockMaxCalls, idleMs: settings.creditBlockIdleMs, maxAgeMs: settings.creditBlockMaxAgeMs }, track, () => usage.written()),
      usage,
    },
  };
  priceStrandedBlocks(ctx);
  // What answered calls still owe the books (block settlements, usage rows, samples) is written before the
  // database closes.
  ctx.closers.push(async () => {
    deps.keepAlive.stop();
    deps.books.pools.drain();
    while (settling.size) await Promise.allSettled([...settling]);
    await deps.books.usage.flush();
  });
  return [inferenceRoutes(ctx, deps)];
}
