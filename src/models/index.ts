import type { Config } from "../config/index.ts";
import type { Logger } from "../log.ts";
import { ModelRegistry } from "./registry.ts";

export { decimalFraction, type TokenPrices, type TokenUsage, tokenCostMicro } from "./prices.ts";
export { type ClientOptions, ModelRegistry, type ResolvedTarget } from "./registry.ts";

/** The registry for this process: providers and models from CRITIQUE_CONFIG and the CRITIQUE_LLM_* variables. */
export function createModelRegistry(config: Config, log?: Logger): ModelRegistry {
  return new ModelRegistry(config.file, log);
}
