import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { keyringProblem } from "../secrets/keyring.ts";

/**
 * Every environment variable the server reads, parsed once at start-up.
 * Nothing else in the code base reads `process.env`: it receives a `Config`. The one exception is
 * src/cli/allocator.ts, which must decide before the program has loaded whether `serve` restarts itself.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const url = (name: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), `${name} must be an absolute URL`);

export const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default("0.0.0.0"),
    CRITIQUE_DATA_DIR: z.string().min(1).default("./data"),
    DATABASE_URL: optionalString,
    /** PostgreSQL connections per process. */
    CRITIQUE_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL: url("REDIS_URL"),
    CRITIQUE_REDIS_PREFIX: z.string().min(1).default("critique"),
    CRITIQUE_SECRETS_ENCRYPTION_KEY: optionalString.superRefine((value, ctx) => {
      const problem = keyringProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    CRITIQUE_CONFIG: optionalString,
    CRITIQUE_LLM_BASE_URL: url("CRITIQUE_LLM_BASE_URL"),
    CRITIQUE_LLM_API_KEY: optionalString,
    CRITIQUE_LLM_MODEL: optionalString,
    CRITIQUE_GITHUB_APP_ID: optionalString.refine((v) => v === undefined || /^\d+$/.test(v), "must be a number"),
    CRITIQUE_GITHUB_PRIVATE_KEY: optionalString,
    CRITIQUE_GITHUB_WEBHOOK_SECRET: optionalString,
    CRITIQUE_GITHUB_API_URL: z.url().default("https://api.github.com"),
    CRITIQUE_GITHUB_URL: z.url().default("https://github.com"),
    /**
     * The GitHub App's OAuth client (its settings page: "Client ID" and a generated client secret). Both set: the
     * sign-in page offers "Sign in with GitHub" (web flow on CRITIQUE_GITHUB_URL), mapping a GitHub login to the
     * dashboard user of the same name; the App's callback URL must be `${CRITIQUE_PUBLIC_URL}/sign-in/github/callback`.
     */
    CRITIQUE_GITHUB_CLIENT_ID: optionalString,
    /** The OAuth client secret of CRITIQUE_GITHUB_CLIENT_ID's App (server-side only: it never reaches a browser). */
    CRITIQUE_GITHUB_CLIENT_SECRET: optionalString,
    /** Least spacing between content-creating GitHub requests per installation (GitHub asks for about 1 s); 0 disables. */
    CRITIQUE_GITHUB_WRITE_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
    CRITIQUE_PUBLIC_URL: url("CRITIQUE_PUBLIC_URL"),
    CRITIQUE_CREDITS: z.enum(["track", "enforce"]).default("track"),
    /** Browser origins, comma-separated, that may call POST /api/mcp besides CRITIQUE_PUBLIC_URL's own; others get 403. */
    CRITIQUE_MCP_ALLOWED_ORIGINS: optionalString.refine(
      (v) => v === undefined || v.split(",").every((o) => URL.canParse(o.trim()) && new URL(o.trim()).origin === o.trim().replace(/\/+$/, "")),
      "must be comma-separated origins like https://app.example.com (scheme, host and port only)",
    ),
    CRITIQUE_WEBHOOK_ALLOWED_CIDRS: optionalString,
    /** Outbound webhooks: attempts per delivery (1 = the documented single attempt) and the backoff between them. */
    CRITIQUE_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
    CRITIQUE_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(0).default(60_000),
    CRITIQUE_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(0).default(8 * 60 * 60_000),
    CRITIQUE_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    CRITIQUE_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    /** The largest request body any route reads, in bytes (413 above it); GitHub webhooks have their own 25 MiB. */
    CRITIQUE_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).default(16 * 1024 * 1024),
    CRITIQUE_JOB_POLL_MS: z.coerce.number().int().min(5).default(250),
    /** In-database queue: polls that find nothing back off (doubling) up to this interval; any work resets them. */
    CRITIQUE_JOB_IDLE_POLL_MS: z.coerce.number().int().min(5).default(2_000),
    CRITIQUE_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    CRITIQUE_JOB_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
    /**
     * Credit holds (open reservations) carry a lease their process renews every CRITIQUE_CREDIT_RENEW_MS, in one
     * UPDATE for all of them; a hold whose lease ran out (its process died) is reclaimed by any server within
     * another renewal interval, settled to what its usage rows show (src/credits/reclaim.ts).
     */
    CRITIQUE_CREDIT_LEASE_MS: z.coerce.number().int().min(500).default(60_000),
    CRITIQUE_CREDIT_RENEW_MS: z.coerce.number().int().min(100).default(10_000),
    /** The OpenCode binary coding-agent runs use (default: the `opencode-ai` package next to the server, then PATH). */
    CRITIQUE_OPENCODE_BIN: optionalString,
    /** bubblewrap for local sandboxes (default: `bwrap` on PATH). */
    CRITIQUE_BWRAP_BIN: optionalString,
    /**
     * `1` lets local coding-agent runs start WITHOUT bubblewrap when it is missing: the agent then runs as this
     * server's user with its files and network. Only for a throwaway machine.
     */
    CRITIQUE_SANDBOX_UNSANDBOXED: z.enum(["0", "1", "true", "false"]).optional().transform((v) => v === "1" || v === "true"),
    /** E2B sandboxes (codingAgent.provider: e2b): the key, and for self-hosted E2B its domain or API URL. */
    E2B_API_KEY: optionalString,
    E2B_DOMAIN: optionalString,
    E2B_API_URL: url("E2B_API_URL"),
    /** Read by the allocator itself when the process starts (see src/cli/allocator.ts); here only to be logged. */
    MIMALLOC_PURGE_DELAY: optionalString,
  })
  .superRefine((env, ctx) => {
    // Cross-field rules: half-configured integrations are start-up errors, not runtime surprises.
    const requireTogether = (a: keyof typeof env, b: keyof typeof env, why: string) => {
      if (env[a] !== undefined && env[b] === undefined) ctx.addIssue({ code: "custom", path: [b], message: `is required when ${a} is set (${why})` });
    };
    requireTogether("CRITIQUE_GITHUB_APP_ID", "CRITIQUE_GITHUB_PRIVATE_KEY", "the App signs its JWT with it");
    requireTogether("CRITIQUE_GITHUB_PRIVATE_KEY", "CRITIQUE_GITHUB_APP_ID", "a private key belongs to an App");
    requireTogether("CRITIQUE_GITHUB_CLIENT_ID", "CRITIQUE_GITHUB_CLIENT_SECRET", "Sign in with GitHub exchanges codes with both");
    requireTogether("CRITIQUE_GITHUB_CLIENT_SECRET", "CRITIQUE_GITHUB_CLIENT_ID", "Sign in with GitHub exchanges codes with both");
    requireTogether("CRITIQUE_LLM_BASE_URL", "CRITIQUE_LLM_MODEL", "the upstream needs a model to call");
    requireTogether("CRITIQUE_LLM_MODEL", "CRITIQUE_LLM_BASE_URL", "the model needs an upstream to call");
    requireTogether("CRITIQUE_LLM_API_KEY", "CRITIQUE_LLM_BASE_URL", "the key belongs to an upstream");
    if (env.CRITIQUE_CREDIT_RENEW_MS * 2 > env.CRITIQUE_CREDIT_LEASE_MS) {
      // One late renewal must not let a live process's holds be reclaimed.
      ctx.addIssue({ code: "custom", path: ["CRITIQUE_CREDIT_RENEW_MS"], message: "must be at most half of CRITIQUE_CREDIT_LEASE_MS" });
    }
    const dbUrl = env.DATABASE_URL;
    if (dbUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(dbUrl) && !/^(postgres|postgresql|file):/i.test(dbUrl)) {
      ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "must be a postgres:// URL, a file: URL or a file path" });
    }
  });

export type Env = z.output<typeof envSchema>;

export { ConfigError } from "../errors.ts";

/** Parses the environment; the first problem becomes one line that names the variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue.path.join(".") || "environment";
  throw new ConfigError(`${variable}: ${issue.message}`);
}
