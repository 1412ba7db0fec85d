import type { Config } from "./config/index.ts";
import type { DatabaseHandle, Db, Tables } from "./db/client.ts";
import type { GitHubApp } from "./github/index.ts";
import type { Hooks } from "./hooks.ts";
import type { ReadinessCheck } from "./http/ops.ts";
import type { JobScheduler } from "./jobs/scheduler.ts";
import type { Logger } from "./log.ts";
import type { ModelRegistry } from "./models/index.ts";
import type { SecretBox } from "./secrets/box.ts";

/** Process-wide dependencies, built once by `createContext` and handed to every service. */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  tables: Tables;
  log: Logger;
  /** Encrypts and decrypts secrets at rest (AES-256-GCM, keyring from CRITIQUE_SECRETS_ENCRYPTION_KEY). */
  secrets: SecretBox;
  /** Background jobs: `ctx.jobs.enqueue(def, payload)` from anywhere; workers run only under `serve`. */
  jobs: JobScheduler;
  /** Providers and models from the config: upstream targets, `openai` clients, token prices. */
  models: ModelRegistry;
  /** The GitHub App (installation clients, installation lookup); undefined when no App is configured. */
  github: GitHubApp | undefined;
  /** Cross-surface notices ("a review run finished"): one surface announces, another reacts, neither imports the other. */
  hooks: Hooks;
  /** This process's own HTTP base URL once it listens (`serve` only): sandboxes reach the Inference API through it. */
  selfUrl?: string;
  /** Checks surfaces add to `GET /readyz` (the database and the job queue are always there). */
  readiness: ReadinessCheck[];
  /** Run by `closeContext` before the database closes: connections a surface opened itself (e.g. Redis). */
  closers: (() => Promise<void>)[];
}

/** Who is calling: resolved from a `crt_` key by the auth plugin (or MCP), passed to services. */
export interface Principal {
  userId: string;
  userName: string;
  keyId: string;
  scopes: string[];
  /** The key's Inference API settings (set by `authenticate`; absent where a principal is built otherwise). */
  inference?: KeyInferenceSettings;
}

/** Per-key Inference API settings, stored on the key (`critique keys create --training-opt-in --models --rpm`). */
export interface KeyInferenceSettings {
  /** Prompts and completions are retained as training data, and the key pays the discounted rate. */
  trainingOptIn: boolean;
  /** Model ids the key may call; null for every configured model. */
  allowedModels: string[] | null;
  /** Requests per minute; null for unlimited. */
  rpmLimit: number | null;
  /**
   * A stored user credential (`user_credentials.name`, e.g. `openrouter`) sent upstream as the caller's own key
   * (BYOK: recorded, not charged); null for the server's upstream keys. Coding-agent run keys set it.
   */
  upstreamCredential?: string | null;
}

export type ServiceContext = AppContext & { principal: Principal };
