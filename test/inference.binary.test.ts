import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { FakeOpenAI } from "./fakes/openai.ts";
import { type BinaryServer, ensureBinary, runCli, startBinary } from "./helpers/binary.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { countPromptTokens } from "../plugins/inference/tokens.ts";

// The compiled binary serves a streamed chat completion to the SDK, with a key and credits from its own CLI.
let cwd: string;
let backends: TestBackends;
let env: Record<string, string>;
let server: BinaryServer;
let upstream: FakeOpenAI;

beforeAll(async () => {
  await ensureBinary();
  cwd = mkdtempSync(join(tmpdir(), "critique-bin-inference-"));
  upstream = FakeOpenAI.start();
  backends = await createBackends();
  const config = join(cwd, "critique.yaml");
  writeFileSync(config, Bun.YAML.stringify({
    providers: [{ id: "fake", baseUrl: upstream.baseURL }],
    models: [{ id: "chat", targets: [{ provider: "fake", model: "up-chat" }], inputPricePerMillion: 3, outputPricePerMillion: 15, trainingDiscount: 0.75 }],
  }));
  env = { ...backends.env, CRITIQUE_CONFIG: config, CRITIQUE_CREDITS: "enforce" };
  server = await startBinary(cwd, env);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  upstream?.stop();
  await backends?.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

test("the binary streams a chat completion to the openai SDK and charges usage.cost", async () => {
  const created = await runCli(["keys", "create", "--name", "sdk", "--user", "dana", "--scopes", "inference", "--training-opt-in", "--models", "chat", "--rpm", "100", "--json"], cwd, env);
  expect(created.code).toBe(0);
  const key = JSON.parse(created.stdout) as { key: string; trainingOptIn: boolean; allowedModels: string[]; rpmLimit: number };
  expect(key).toMatchObject({ trainingOptIn: true, allowedModels: ["chat"], rpmLimit: 100 });
  expect((await runCli(["credits", "grant", "--user", "dana", "--amount", "5"], cwd, env)).code).toBe(0);

  const usage = { prompt_tokens: 120, completion_tokens: 30 };
  upstream.reply({ content: "Hello from the binary.", usage });
  const sdk = new OpenAI({ baseURL: `${server.url}/api/v1`, apiKey: key.key, maxRetries: 0 });
  const stream = await sdk.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
  let text = "";
  let cost: number | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) cost = (chunk.usage as { cost?: number }).cost;
  }
  expect(text).toBe("Hello from the binary.");
  // Opted in: 75% off (120 × 3 + 30 × 15) micro-credits, rounded up to a whole micro-credit.
  expect(cost).toBe(Math.ceil((120 * 3 + 30 * 15) * 0.25) / 1e6);

  const exported = await runCli(["training", "export", "--user", "dana"], cwd, env);
  expect(exported.code).toBe(0);
  expect(JSON.parse(exported.stdout.trim()).messages.at(-1).content).toBe("Hello from the binary.");
}, 60_000);

test("the binary counts tokens in its worker: an upstream without usage gets the exact o200k count", async () => {
  const created = await runCli(["keys", "create", "--name", "count", "--user", "erin", "--scopes", "inference", "--json"], cwd, env);
  expect(created.code).toBe(0);
  const { key } = JSON.parse(created.stdout) as { key: string };
  expect((await runCli(["credits", "grant", "--user", "erin", "--amount", "5"], cwd, env)).code).toBe(0);
  upstream.reply({ content: "Counted here.", omitUsage: true });
  const messages = [{ role: "user" as const, content: "The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog." }];
  const sdk = new OpenAI({ baseURL: `${server.url}/api/v1`, apiKey: key, maxRetries: 0 });
  const answer = await sdk.chat.completions.create({ model: "chat", messages });
  // Counted in this process (source tree) the same way; a binary whose worker failed to start would answer the
  // UTF-8 byte bound instead (well above the count for English prose).
  const quiet = { closers: [], log: { error() {}, warn() {}, info() {} } } as never;
  const expected = await countPromptTokens(quiet, { model: "chat", messages } as never, 0);
  expect(answer.usage?.prompt_tokens).toBe(expected);
  expect(expected).toBeLessThan(Buffer.byteLength(messages[0].content) / 2);
}, 60_000);
