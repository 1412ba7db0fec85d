import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type CidrRange, parseCidrList } from "./cidrs.ts";
import { ConfigError, type Env, parseEnv } from "./env.ts";
import { type ConfigFile, configFileSchema } from "./file.ts";
import { publicBase } from "./links.ts";

export type { CidrRange } from "./cidrs.ts";
export { ConfigError } from "./env.ts";
export { publicLink } from "./links.ts";
export type { CodingAgentConfig, ConfigFile, ModelConfig, ProviderConfig } from "./file.ts";

export interface Config {
  env: Env;
  file: ConfigFile;
  port: number;
  host: string;
  dataDir: string;
  /** Absolute base used in links we hand out (payload `urls`, check-run details), without a trailing slash; see links.ts. */
  publicUrl: string;
  database: { dialect: "sqlite"; path: string } | { dialect: "postgres"; url: string; poolMax: number };
  githubPrivateKey?: string;
  /** Private ranges outbound webhooks may reach despite the SSRF guard (CRITIQUE_WEBHOOK_ALLOWED_CIDRS). */
  webhookAllowedCidrs: CidrRange[];
}

/** Parses env and the optional YAML file once; throws ConfigError with one line naming the culprit. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source);
  const file = loadConfigFile(env, source);
  if (file.codingAgent.provider === "e2b" && !env.E2B_API_KEY) throw new ConfigError("E2B_API_KEY: is required when codingAgent.provider is e2b (CRITIQUE_CONFIG)");
  const dataDir = resolve(env.CRITIQUE_DATA_DIR);
  return {
    env,
    file,
    port: env.PORT,
    host: env.HOST,
    dataDir,
    publicUrl: publicBase(env.CRITIQUE_PUBLIC_URL, env.PORT),
    database: databaseFrom(env.DATABASE_URL, dataDir, env.CRITIQUE_DB_POOL_MAX),
    githubPrivateKey: readPrivateKey(env.CRITIQUE_GITHUB_PRIVATE_KEY),
    webhookAllowedCidrs: parseCidrList(env.CRITIQUE_WEBHOOK_ALLOWED_CIDRS),
  };
}

function databaseFrom(url: string | undefined, dataDir: string, poolMax: number): Config["database"] {
  if (!url) return { dialect: "sqlite", path: resolve(dataDir, "critique.sqlite") };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: "postgres", url, poolMax };
  const path = url.replace(/^file:(\/\/)?/i, "");
  return { dialect: "sqlite", path: path === ":memory:" ? path : resolve(path) };
}

function readPrivateKey(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.includes("-----BEGIN")) return value.replace(/\\n/g, "\n");
  if (!existsSync(value)) throw new ConfigError(`CRITIQUE_GITHUB_PRIVATE_KEY: is neither PEM text nor a readable file (${value})`);
  return readFileSync(value, "utf8");
}

function loadConfigFile(env: Env, source: Record<string, string | undefined>): ConfigFile {
  let raw: unknown = {};
  if (env.CRITIQUE_CONFIG) {
    if (!existsSync(env.CRITIQUE_CONFIG)) throw new ConfigError(`CRITIQUE_CONFIG: file not found (${env.CRITIQUE_CONFIG})`);
    try {
      raw = Bun.YAML.parse(readFileSync(env.CRITIQUE_CONFIG, "utf8")) ?? {};
    } catch (error) {
      throw new ConfigError(`CRITIQUE_CONFIG: not valid YAML (${(error as Error).message})`);
    }
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`CRITIQUE_CONFIG: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const file = parsed.data;
  for (const provider of file.providers) {
    if (provider.apiKey?.startsWith("env:")) provider.apiKey = source[provider.apiKey.slice(4)];
  }
  addEnvModel(file, env);
  validateReferences(file);
  return file;
}

/** The CRITIQUE_LLM_* variables define one provider and model without a file. */
function addEnvModel(file: ConfigFile, env: Env) {
  if (!env.CRITIQUE_LLM_BASE_URL || !env.CRITIQUE_LLM_MODEL) return;
  if (!file.providers.some((p) => p.id === "env")) {
    file.providers.push({ id: "env", baseUrl: env.CRITIQUE_LLM_BASE_URL, apiKey: env.CRITIQUE_LLM_API_KEY, timeoutMs: 60_000, allowByok: false });
  }
  if (!file.models.some((m) => m.id === env.CRITIQUE_LLM_MODEL)) {
    file.models.push({
      id: env.CRITIQUE_LLM_MODEL,
      targets: [{ provider: "env", model: env.CRITIQUE_LLM_MODEL }],
      inputPricePerMillion: 0,
      outputPricePerMillion: 0,
      trainingDiscount: 0,
      contextWindow: 128_000,
      maxOutputTokens: 8_192,
    });
  }
  file.review.model ??= env.CRITIQUE_LLM_MODEL;
}

function validateReferences(file: ConfigFile) {
  const providers = new Set(file.providers.map((p) => p.id));
  for (const model of file.models) {
    for (const target of model.targets) {
      if (!providers.has(target.provider)) throw new ConfigError(`CRITIQUE_CONFIG: models.${model.id}: unknown provider "${target.provider}"`);
    }
  }
  const agent = file.codingAgent;
  for (const id of [...(agent.models ?? []), ...(agent.defaultModel ? [agent.defaultModel] : [])]) {
    if (!file.models.some((m) => m.id === id)) throw new ConfigError(`CRITIQUE_CONFIG: codingAgent: unknown model "${id}"`);
  }
  if (file.review.model && !file.models.some((m) => m.id === file.review.model)) {
    throw new ConfigError(`CRITIQUE_CONFIG: review.model: unknown model "${file.review.model}"`);
  }
}
