import { z } from "zod";

/** REST shapes of the Coding Agent API. Status values and event names are part of the contract: never rename one. */
export const RUN_STATUSES = ["QUEUED", "PROVISIONING", "RUNNING", "IDLE", "COMPLETED", "FAILED", "CANCELLED", "EXPIRED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: RunStatus[] = ["COMPLETED", "FAILED", "CANCELLED", "EXPIRED"];
/** A turn is in progress (or about to be): no follow-up can start. */
export const BUSY_STATUSES: RunStatus[] = ["QUEUED", "PROVISIONING", "RUNNING"];

export const RUN_EVENTS = ["coding_agent.run.idle", "coding_agent.run.completed", "coding_agent.run.failed"] as const;
export type RunWebhookEvent = (typeof RUN_EVENTS)[number];

/** Prompts are text for a model; a megabyte is far beyond any sensible instruction and bounds what a row holds. */
export const MAX_PROMPT_CHARS = 100_000;
const prompt = z
  .string({ error: "is required (what the agent should do)" })
  .refine((v) => v.trim().length > 0, "must not be empty")
  .refine((v) => v.length <= MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`);

const branchName = z
  .string()
  .max(200)
  .regex(/^(?!\/|.*\/$)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/-]+$/, "must be a valid git branch name (letters, digits, . _ - /)")
  .refine((v) => !v.endsWith(".lock") && !v.startsWith("-"), "must be a valid git branch name");

export const createRunBody = z.strictObject({
  prompt,
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repo").max(200).optional(),
  ref: z.string().min(1).max(250).regex(/^[^\s~^:?*[\\]+$/, "must be a branch, tag or commit SHA").optional().describe("Branch, tag or SHA (default: the repository's default branch)"),
  model: z.string().min(1).max(200).optional().describe("A model from GET /api/v1/coding-agent/models (default: the server's default)"),
  createPullRequest: z.boolean().optional().describe("Push the patch to a branch and open a draft pull request (needs repository)"),
  branchName: branchName.optional(),
  pullRequestTitle: z.string().min(1).max(256).optional(),
  billing: z.enum(["credits", "openrouter"], { error: "must be credits or openrouter" }).optional(),
  limits: z
    .strictObject({
      maxMinutes: z.number().int().min(1).optional(),
      maxCredits: z.number().min(0).optional(),
      maxTurns: z.number().int().min(1).optional(),
    })
    .optional(),
  webhook: z
    .strictObject({
      url: z.url("must be an absolute URL").max(2_000, "must be at most 2000 characters"),
      secret: z.string().min(32, "must be at least 32 characters").max(500),
      events: z.array(z.enum(RUN_EVENTS)).min(1).max(RUN_EVENTS.length).optional(),
    })
    .optional(),
  metadata: z
    .record(z.string().max(100), z.unknown())
    .refine((m) => Object.keys(m).length <= 50, "at most 50 keys")
    .refine((m) => JSON.stringify(m).length <= 16_000, "must be at most 16 KB as JSON")
    .optional(),
});
export type CreateRunInput = z.output<typeof createRunBody>;

export const followUpBody = z.strictObject({ prompt });

const iso = z.string().describe("ISO 8601 timestamp");

export const runObject = z.object({
  id: z.string(),
  object: z.literal("coding_agent.run"),
  status: z.enum(RUN_STATUSES),
  model: z.string(),
  billing: z.enum(["credits", "openrouter"]),
  provider: z.string(),
  repository: z.string().nullable(),
  ref: z.string().nullable(),
  baseSha: z.string().nullable(),
  turns: z.number().int(),
  summary: z.string().nullable().describe("The agent's last message"),
  diffstat: z.object({ files: z.number().int(), additions: z.number().int(), deletions: z.number().int() }).nullable(),
  patchUrl: z.string().nullable(),
  branch: z.string().nullable(),
  commitSha: z.string().nullable(),
  pullRequestUrl: z.string().nullable(),
  pullRequestNumber: z.number().int().nullable(),
  creditsUsed: z.number().describe("Sandbox time plus model tokens, in credits"),
  limits: z.object({ maxMinutes: z.number(), maxCredits: z.number(), maxTurns: z.number() }),
  failureReason: z.string().nullable().describe("Why a terminal run ended (also set for COMPLETED: e.g. the idle TTL)"),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  urls: z.object({ run: z.string(), stream: z.string(), patch: z.string(), messages: z.string() }),
  createdAt: iso,
  updatedAt: iso,
  startedAt: iso.nullable(),
  idleUntil: iso.nullable(),
  completedAt: iso.nullable(),
});
export type RunView = z.output<typeof runObject>;

export const runParams = z.object({ id: z.string().max(100) });

export const listRunsQuery = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  repository: z.string().max(200).regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repo").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "must be a nextCursor value from a previous page")
    .optional(),
});
export type ListRunsQuery = z.output<typeof listRunsQuery>;

export const modelsResponse = z.object({
  models: z.array(
    z.object({
      id: z.string(),
      default: z.boolean(),
      pricing: z.object({ input: z.number(), output: z.number() }).describe("Credits per million tokens (billing: credits)"),
      contextWindow: z.number().int(),
    }),
  ),
  sandbox: z.object({
    provider: z.string(),
    usable: z.boolean(),
    reason: z.string().nullable(),
    pricePerMinute: z.number().describe("Credits per minute of sandbox time"),
    idleTtlSeconds: z.number().int(),
  }),
  billing: z.array(z.enum(["credits", "openrouter"])),
});
