import type OpenAI from "openai";
import type { Config, ModelConfig, ProviderConfig } from "../config/index.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type TokenUsage, tokenCostMicro } from "./prices.ts";

/** The SDK (~5 MB) loads with the first client: a server that never calls a model never pays for it. */
let sdk: Promise<typeof OpenAI> | undefined;
const openaiSdk = () => (sdk ??= import("openai").then((m) => m.default));

/** One upstream to try for a model: which provider, and the model name that provider knows it by. */
export interface ResolvedTarget {
  provider: ProviderConfig;
  /** The upstream model name (what goes in the request's `model`), not our model id. */
  model: string;
}

export interface ClientOptions {
  /** The caller's own upstream key (BYOK); only for providers with `allowByok: true`. */
  apiKey?: string;
}

/**
 * The providers and models from the config file and the CRITIQUE_LLM_* variables, and `openai` clients for them.
 * The review pipeline, the Inference API and the Coding Agent all go through here, so prices and upstreams are
 * defined in one place.
 */
export class ModelRegistry {
  readonly #models: Map<string, ModelConfig>;
  readonly #providers: Map<string, ProviderConfig>;
  readonly #clients = new Map<string, OpenAI>();

  constructor(
    file: Pick<Config["file"], "models" | "providers">,
    private readonly log?: Logger,
  ) {
    this.#models = new Map(file.models.map((m) => [m.id, m]));
    this.#providers = new Map(file.providers.map((p) => [p.id, p]));
  }

  /** Every configured model, in config order. */
  list(): ModelConfig[] {
    return [...this.#models.values()];
  }

  has(modelId: string): boolean {
    return this.#models.has(modelId);
  }

  /** The model, or NOT_FOUND naming it. */
  get(modelId: string): ModelConfig {
    const model = this.#models.get(modelId);
    if (!model) throw new AppError("NOT_FOUND", `model "${modelId}" is not configured on this server`);
    return model;
  }

  provider(providerId: string): ProviderConfig {
    const provider = this.#providers.get(providerId);
    if (!provider) throw new AppError("NOT_FOUND", `provider "${providerId}" is not configured on this server`);
    return provider;
  }

  /** The model's upstreams in preference order (the first is tried first; later ones are fallbacks). */
  targets(modelId: string): ResolvedTarget[] {
    return this.get(modelId).targets.map((t) => ({ provider: this.provider(t.provider), model: t.model }));
  }

  /**
   * An `openai` client for the provider. Retries are off (`maxRetries: 0`): the caller decides whether to try the
   * next target. Clients on the configured key are cached; a BYOK client is built per call so caller keys are not
   * kept in memory after the request.
   */
  async clientFor(providerOrId: ProviderConfig | string, options: ClientOptions = {}): Promise<OpenAI> {
    const provider = typeof providerOrId === "string" ? this.provider(providerOrId) : providerOrId;
    if (options.apiKey !== undefined) {
      if (!provider.allowByok) throw new AppError("FORBIDDEN", `provider "${provider.id}" does not accept caller-supplied keys`);
      if (!options.apiKey.trim()) throw new AppError("BAD_REQUEST", `an empty upstream key was given for provider "${provider.id}"`);
      return this.#build(await openaiSdk(), provider, options.apiKey);
    }
    let client = this.#clients.get(provider.id);
    if (!client) {
      client = this.#build(await openaiSdk(), provider, provider.apiKey);
      this.#clients.set(provider.id, client);
    }
    return client;
  }

  /** Cost of a call on this model in micro-credits, rounded up (see prices.ts). */
  costMicro(modelId: string, usage: TokenUsage, options: { trainingOptIn?: boolean } = {}): number {
    return tokenCostMicro(this.get(modelId), usage, options);
  }

  #build(Sdk: typeof OpenAI, provider: ProviderConfig, apiKey: string | undefined): OpenAI {
    return new Sdk({
      baseURL: provider.baseUrl,
      // The SDK refuses to start without a key; keyless upstreams (a local server) get a placeholder that the
      // `Authorization: null` default header below removes again, so no made-up credential is ever sent.
      apiKey: apiKey || "no-key",
      defaultHeaders: apiKey ? undefined : { Authorization: null },
      timeout: provider.timeoutMs,
      maxRetries: 0,
      // Explicit values so the SDK does not pick up OPENAI_* variables from the process environment.
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      logLevel: "warn",
      logger: this.log ? this.log.child({ component: "openai", provider: provider.id }) : undefined,
    });
  }
}
