import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { createKey, type CreateKeyInput } from "../../src/auth/keys.ts";
import { ensureUser } from "../../src/auth/users.ts";
import { getBalance, grantCredits } from "../../src/credits/index.ts";
import { FakeOpenAI } from "../fakes/openai.ts";
import { startTestServer, type TestServer } from "./server.ts";

/**
 * The Inference API under test: the real server with a config file naming two fake upstreams ("primary", then
 * "backup" as fallback) and a BYOK-capable one, and `openai` SDK clients pointed at the server.
 */
export interface InferenceHarness {
  server: TestServer;
  primary: FakeOpenAI;
  backup: FakeOpenAI;
  byok: FakeOpenAI;
  /** Mints an `inference` key for `user` with optional per-key settings and returns an SDK client using it. */
  client(options?: Partial<CreateKeyInput> & { grant?: number }): Promise<{ sdk: OpenAI; key: string; userId: string }>;
  /** Micro-credits available to the user. */
  balance(userId: string): Promise<number>;
  usageRows(userId: string): Promise<(typeof import("../../db/sqlite.ts").inferenceUsage.$inferSelect)[]>;
  stop(): Promise<void>;
}

/** Prices used by the tests' main model: credits per million tokens. */
export const PRICES = { input: 2, output: 8, trainingDiscount: 0.75 };
let users = 0;

export async function startInference(
  extraEnv: Record<string, string> = {},
  inference: Record<string, number> = {},
  { primaryTimeoutMs = 3_000 }: { primaryTimeoutMs?: number } = {},
): Promise<InferenceHarness> {
  const primary = FakeOpenAI.start({ apiKey: "sk-primary" });
  const backup = FakeOpenAI.start();
  const byok = FakeOpenAI.start();
  const dir = mkdtempSync(join(tmpdir(), "critique-inference-"));
  const config = {
    providers: [
      { id: "primary", baseUrl: primary.baseURL, apiKey: "sk-primary", timeoutMs: primaryTimeoutMs },
      { id: "backup", baseUrl: backup.baseURL, timeoutMs: 3_000 },
      { id: "own", baseUrl: byok.baseURL, allowByok: true },
    ],
    models: [
      { id: "fast", targets: [{ provider: "primary", model: "up-fast" }, { provider: "backup", model: "up-fast-backup" }], inputPricePerMillion: PRICES.input, outputPricePerMillion: PRICES.output, trainingDiscount: PRICES.trainingDiscount, contextWindow: 64_000, maxOutputTokens: 1_000 },
      { id: "solo", targets: [{ provider: "primary", model: "up-solo" }], inputPricePerMillion: 1, outputPricePerMillion: 1 },
      { id: "mine", targets: [{ provider: "own", model: "up-mine" }], inputPricePerMillion: 5, outputPricePerMillion: 5 },
      // For breaker tests, so that tripping its circuits leaves the other models' targets alone.
      { id: "spare", targets: [{ provider: "primary", model: "up-spare" }, { provider: "backup", model: "up-spare" }], inputPricePerMillion: 1, outputPricePerMillion: 1 },
    ],
    inference: { breakerFailures: 3, breakerCooldownMs: 60_000, keepAliveMs: 15_000, ...inference },
  };
  const file = join(dir, "critique.yaml");
  writeFileSync(file, Bun.YAML.stringify(config));
  const server = await startTestServer({ CRITIQUE_CONFIG: file, ...extraEnv });
  const ctx = server.server.ctx;
  return {
    server,
    primary,
    backup,
    byok,
    async client(options = {}) {
      const user = await ensureUser(ctx, options.user ?? `inference-user-${process.pid}-${users++}`);
      const { key } = await createKey(ctx, { name: "sdk", scopes: ["inference"], ...options, user: user.name });
      if (options.grant) await grantCredits(ctx, { userId: user.id, amount: options.grant });
      return { sdk: new OpenAI({ baseURL: `${server.url}/api/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 }), key, userId: user.id };
    },
    balance: async (userId) => (await getBalance(ctx, userId)).available,
    usageRows: (userId) => ctx.db.select().from(ctx.tables.inferenceUsage).where(eq(ctx.tables.inferenceUsage.userId, userId)),
    async stop() {
      await server.stop();
      for (const fake of [primary, backup, byok]) fake.stop();
    },
  };
}
