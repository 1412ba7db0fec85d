import { z } from "zod";

/** The optional YAML file named by CRITIQUE_CONFIG: providers, models with prices, review settings. */
const providerSchema = z.strictObject({
  id: z.string().min(1),
  baseUrl: z.url(),
  /** The upstream key itself, or `env:NAME` to read it from the environment at start-up. */
  apiKey: z.string().optional(),
  timeoutMs: z.number().int().positive().default(60_000),
  /** Whether callers may send their own upstream key for this provider (BYOK). */
  allowByok: z.boolean().default(false),
});

const modelSchema = z.strictObject({
  id: z.string().min(1),
  /** Ordered upstream targets: the first is preferred, later ones are fallbacks. */
  targets: z
    .array(z.strictObject({ provider: z.string().min(1), model: z.string().min(1) }))
    .min(1),
  inputPricePerMillion: z.number().min(0).default(0),
  outputPricePerMillion: z.number().min(0).default(0),
  /** Fraction taken off the token price for keys that opted in to training retention (0.75 = 75% off). */
  trainingDiscount: z.number().min(0).max(1).default(0),
  contextWindow: z.number().int().positive().default(128_000),
  maxOutputTokens: z.number().int().positive().default(8_192),
});

const reviewSchema = z.strictObject({
  /** Model id (from `models`) the review specialists call; none means deterministic checks only. */
  model: z.string().min(1).optional(),
  /** Credits charged per review run, on top of model tokens. */
  costPerRun: z.number().min(0).default(1),
  confidenceFloor: z.number().min(0).max(1).default(0.5),
  timeoutMs: z.number().int().positive().default(600_000),
  /** Largest diff slice (in tokens) one specialist call sees; larger changes are split into chunks. */
  chunkTokenBudget: z.number().int().min(1_000).default(24_000),
  /** Chunks per specialist; files beyond them are listed as not reviewed (and the verdict cannot be PASS). */
  maxChunks: z.number().int().min(1).max(50).default(8),
  /** Model calls in flight at once for one review. */
  concurrency: z.number().int().min(1).max(64).default(10),
  /** Per model call. */
  modelTimeoutMs: z.number().int().positive().default(120_000),
  /** Which pull_request actions queue an automatic review, and whether drafts are reviewed. */
  triggers: z.array(z.enum(["opened", "synchronize", "reopened", "ready_for_review"])).default(["opened", "synchronize", "reopened", "ready_for_review"]),
  reviewDrafts: z.boolean().default(false),
});

const inferenceSchema = z.strictObject({
  /** Consecutive failures (connection errors, timeouts, 429, 5xx) after which a target is skipped… */
  breakerFailures: z.number().int().min(1).default(5),
  /** …for this long; then one trial request decides whether it is used again. */
  breakerCooldownMs: z.number().int().min(100).default(30_000),
  /** An SSE comment is sent when a stream has been silent this long, so proxies keep the connection open. */
  keepAliveMs: z.number().int().min(100).default(15_000),
  /** Tokens reserved for each image in a prompt (they cannot be counted locally). */
  imageTokens: z.number().int().min(0).default(1_500),
  /** Worst cases a user's first credit reservation holds for their calls (1 = one reservation per call)… */
  creditBlockCalls: z.number().int().min(1).max(1_000).default(64),
  /** …and at most, as the blocks of a busy user grow (plugins/inference/credit-pool.ts). */
  creditBlockMaxCalls: z.number().int().min(1).max(100_000).default(1_024),
  /** A credit block is settled once its calls have been quiet this long… */
  creditBlockIdleMs: z.number().int().min(1).default(200),
  /** …or once it is this old, so balances and the ledger never lag far behind. */
  creditBlockMaxAgeMs: z.number().int().min(1).default(5_000),
}).refine((s) => s.creditBlockMaxCalls >= s.creditBlockCalls, { message: "creditBlockMaxCalls must be at least creditBlockCalls", path: ["creditBlockMaxCalls"] });

const codingAgentSchema = z.strictObject({
  /** Where runs execute: `local` (bubblewrap on this machine) or `e2b` (E2B cloud, or a self-hosted E2B). */
  provider: z.enum(["local", "e2b"], { error: "must be local or e2b" }).default("local"),
  /** The model a run uses when the request names none (default: the first of `models`). */
  defaultModel: z.string().min(1).optional(),
  /** Models runs may use (ids from `models`); default: every configured model. */
  models: z.array(z.string().min(1)).optional(),
  /** A finished turn keeps its sandbox warm this long for follow-ups; then the run is COMPLETED. */
  idleTtlSeconds: z.number().int().min(1).max(86_400).default(600),
  /** A run's event stream sends an SSE comment after this much silence, so proxies keep it open. */
  heartbeatSeconds: z.number().min(0.1).max(300).default(15),
  /** Credits per minute of sandbox time (turns only; warm idle time is free). */
  /** One price for every provider, or one per provider (e.g. `{ local: 0.005, e2b: 0.05 }`). */
  sandboxPricePerMinute: z
    .union([z.number().min(0), z.strictObject({ local: z.number().min(0).default(0.01), e2b: z.number().min(0).default(0.01) })])
    .default(0.01),
  /** Limits a run gets when the request sets none; a request may only lower them. */
  limits: z
    .strictObject({
      maxMinutes: z.number().int().min(1).max(24 * 60).default(30),
      maxCredits: z.number().min(0).default(10),
      maxTurns: z.number().int().min(1).max(1_000).default(20),
    })
    .default({ maxMinutes: 30, maxCredits: 10, maxTurns: 20 }),
  /** The local sandbox's resource limits (per run). */
  local: z
    .strictObject({
      cpuSeconds: z.number().int().min(1).default(1_800),
      /** Largest file the agent may write, in MiB. */
      fileSizeMb: z.number().int().min(1).default(256),
      processes: z.number().int().min(16).default(512),
      /** Memory of everything in one sandbox (OpenCode itself takes a few hundred MiB), as a cgroup limit. */
      memoryMb: z.number().int().min(256).default(4_096),
      /** Agents starting at once (booting OpenCode is CPU-bound; more at once only makes each slower). 0: one per CPU. */
      concurrentStarts: z.number().int().min(0).max(256).default(0),
      /** How long an agent may take to answer once its start has begun. */
      startTimeoutSeconds: z.number().int().min(5).max(600).default(120),
    })
    .default({ cpuSeconds: 1_800, fileSizeMb: 256, processes: 512, memoryMb: 4_096, concurrentStarts: 0, startTimeoutSeconds: 120 }),
  /** The E2B provider (key and API location come from E2B_API_KEY, E2B_DOMAIN / E2B_API_URL). */
  e2b: z
    .strictObject({
      /** A template with `git`, `tar` and OpenCode installed (see the README). */
      template: z.string().min(1).default("critique-opencode"),
      /** OpenCode's path inside the template. */
      opencodePath: z.string().min(1).default("opencode"),
      workspaceDir: z.string().startsWith("/").default("/home/user/workspace"),
      /** The port OpenCode's server listens on inside the sandbox. */
      agentPort: z.number().int().min(1).max(65535).default(4096),
      /** The URL sandboxes reach this server's Inference API at (default: CRITIQUE_PUBLIC_URL). */
      serverUrl: z.url().optional(),
      /** What happens to a warm sandbox at the idle TTL: killed, or paused (kept, resumable, by E2B's rules). */
      onIdle: z.enum(["kill", "pause"]).default("kill"),
      startTimeoutSeconds: z.number().int().min(5).max(600).default(120),
    })
    .default({ template: "critique-opencode", opencodePath: "opencode", workspaceDir: "/home/user/workspace", agentPort: 4096, onIdle: "kill", startTimeoutSeconds: 120 }),
});

/** Remedy runs (a bounded fix of a review's findings): defaults a request may lower, never raise. */
const remedySchema = z.strictObject({
  /** The fix run's model (default: the coding agent's default model). */
  model: z.string().min(1).optional(),
  limits: z
    .strictObject({
      maxMinutes: z.number().int().min(1).max(24 * 60).default(15),
      maxCredits: z.number().min(0).default(5),
      /** Turns of the fix agent: a turn that changed nothing is followed by one reminding it of the findings. */
      maxTurns: z.number().int().min(1).max(20).default(2),
    })
    .default({ maxMinutes: 15, maxCredits: 5, maxTurns: 2 }),
});

export const configFileSchema = z.strictObject({
  providers: z.array(providerSchema).default([]),
  models: z.array(modelSchema).default([]),
  review: reviewSchema.default(reviewSchema.parse({})),
  /** Inference API routing and streaming settings. */
  inference: inferenceSchema.default(inferenceSchema.parse({})),
  /** Coding Agent API: sandbox provider, limits, prices. */
  codingAgent: codingAgentSchema.default(codingAgentSchema.parse({})),
  remedy: remedySchema.default(remedySchema.parse({})),
  /** Later surfaces (policy, checkpoint…) add their sections here. */
  policy: z.record(z.string(), z.unknown()).optional(),
  checkpoint: z.record(z.string(), z.unknown()).optional(),
});

export type ConfigFile = z.output<typeof configFileSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type InferenceConfig = z.output<typeof inferenceSchema>;
export type CodingAgentConfig = z.output<typeof codingAgentSchema>;
