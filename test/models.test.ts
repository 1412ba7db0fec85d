import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { loadConfig } from "../src/config/index.ts";
import { AppError } from "../src/errors.ts";
import { createModelRegistry, decimalFraction, type ModelRegistry, tokenCostMicro } from "../src/models/index.ts";
import { FakeOpenAI } from "./fakes/openai.ts";

let upstream: FakeOpenAI;
let keyless: FakeOpenAI;
let registry: ModelRegistry;
const dir = mkdtempSync(join(tmpdir(), "critique-models-"));

beforeAll(() => {
  upstream = FakeOpenAI.start({ apiKey: "sk-configured" });
  keyless = FakeOpenAI.start();
  const file = join(dir, "critique.yaml");
  writeFileSync(
    file,
    `providers:
  - id: main
    baseUrl: ${upstream.baseURL}
    apiKey: env:UPSTREAM_KEY
    allowByok: true
  - id: impatient
    baseUrl: ${upstream.baseURL}
    apiKey: sk-configured
    timeoutMs: 300
  - id: local
    baseUrl: ${keyless.baseURL}
models:
  - id: smart
    targets:
      - { provider: main, model: upstream-smart-v2 }
      - { provider: local, model: llama-fallback }
    inputPricePerMillion: 0.15
    outputPricePerMillion: 0.6
    trainingDiscount: 0.75
    contextWindow: 200000
  - id: local-only
    targets: [{ provider: local, model: llama }]
`,
  );
  registry = createModelRegistry(loadConfig({ CRITIQUE_CONFIG: file, UPSTREAM_KEY: "sk-configured", CRITIQUE_DATA_DIR: dir }));
});

afterAll(() => {
  upstream.stop();
  keyless.stop();
});

describe("registry from the config file", () => {
  test("lists models in file order with their settings and resolves targets to providers", () => {
    expect(registry.list().map((m) => m.id)).toEqual(["smart", "local-only"]);
    const smart = registry.get("smart");
    expect(smart).toMatchObject({ inputPricePerMillion: 0.15, outputPricePerMillion: 0.6, trainingDiscount: 0.75, contextWindow: 200000, maxOutputTokens: 8192 });
    const targets = registry.targets("smart");
    expect(targets.map((t) => [t.provider.id, t.model])).toEqual([["main", "upstream-smart-v2"], ["local", "llama-fallback"]]);
    // `env:UPSTREAM_KEY` was read from the environment given to loadConfig.
    expect(targets[0].provider.apiKey).toBe("sk-configured");
  });

  test("an unknown model is NOT_FOUND and names the model", () => {
    const error = (() => {
      try {
        registry.get("gpt-nope");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("NOT_FOUND");
    expect((error as AppError).message).toContain('"gpt-nope"');
    expect(() => registry.targets("gpt-nope")).toThrow(AppError);
    expect(registry.has("smart")).toBe(true);
    expect(registry.has("gpt-nope")).toBe(false);
  });

  test("CRITIQUE_LLM_* alone define one provider and model with zero prices", () => {
    const fromEnv = createModelRegistry(loadConfig({ CRITIQUE_LLM_BASE_URL: upstream.baseURL, CRITIQUE_LLM_MODEL: "qwen-coder", CRITIQUE_LLM_API_KEY: "sk-env", CRITIQUE_DATA_DIR: dir }));
    expect(fromEnv.list().map((m) => m.id)).toEqual(["qwen-coder"]);
    const [target] = fromEnv.targets("qwen-coder");
    expect(target.provider).toMatchObject({ id: "env", baseUrl: upstream.baseURL, apiKey: "sk-env", allowByok: false });
    expect(target.model).toBe("qwen-coder");
    expect(fromEnv.costMicro("qwen-coder", { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBe(0);
  });
});

describe("prices", () => {
  const whole = { inputPricePerMillion: 3, outputPricePerMillion: 15, trainingDiscount: 0 };

  test("whole-number prices: micro-credits = tokens × price, exactly", () => {
    expect(tokenCostMicro(whole, { promptTokens: 1000, completionTokens: 500 })).toBe(1000 * 3 + 500 * 15);
    expect(tokenCostMicro(whole, { promptTokens: 0, completionTokens: 0 })).toBe(0);
    expect(tokenCostMicro({ ...whole, inputPricePerMillion: 75 }, { promptTokens: 1_000_000_000, completionTokens: 0 })).toBe(75_000_000_000);
  });

  test("decimal prices are exact (no float drift) and the call total is rounded up once", () => {
    const cheap = { inputPricePerMillion: 0.1, outputPricePerMillion: 0.6, trainingDiscount: 0 };
    // 1,000,000 × 0.1 is 100000.00000000001 in floats; the exact answer is 100,000 micro-credits (0.1 credit).
    expect(tokenCostMicro(cheap, { promptTokens: 1_000_000, completionTokens: 0 })).toBe(100_000);
    expect(tokenCostMicro(cheap, { promptTokens: 3, completionTokens: 0 })).toBe(1); // 0.3 -> 1
    expect(tokenCostMicro(cheap, { promptTokens: 11, completionTokens: 0 })).toBe(2); // 1.1 -> 2
    // 0.1 + 0.6 = 0.7 micro-credits: one micro-credit for the call, not one per part.
    expect(tokenCostMicro(cheap, { promptTokens: 1, completionTokens: 1 })).toBe(1);
    expect(registry.costMicro("smart", { promptTokens: 1000, completionTokens: 1000 })).toBe(150 + 600);
  });

  test("the training discount applies only to opted-in keys, before rounding", () => {
    expect(registry.costMicro("smart", { promptTokens: 1000, completionTokens: 1000 }, { trainingOptIn: true })).toBe(188); // 750 × 0.25 = 187.5, rounded up
    expect(registry.costMicro("smart", { promptTokens: 2000, completionTokens: 2000 }, { trainingOptIn: true })).toBe(375);
    expect(registry.costMicro("smart", { promptTokens: 1000, completionTokens: 1000 }, { trainingOptIn: false })).toBe(750);
    const tenth = { inputPricePerMillion: 3, outputPricePerMillion: 0, trainingDiscount: 0.1 };
    expect(tokenCostMicro(tenth, { promptTokens: 7, completionTokens: 0 }, { trainingOptIn: true })).toBe(19); // 21 × 0.9 = 18.9
    expect(tokenCostMicro({ ...tenth, trainingDiscount: 1 }, { promptTokens: 7, completionTokens: 0 }, { trainingOptIn: true })).toBe(0);
  });

  test("prices written in exponent form and bad token counts", () => {
    expect(decimalFraction(1e-7)).toEqual({ numerator: 1n, denominator: 10_000_000n });
    expect(decimalFraction(2.5e21)).toEqual({ numerator: 2_500_000_000_000_000_000_000n, denominator: 1n });
    expect(tokenCostMicro({ inputPricePerMillion: 1e-7, outputPricePerMillion: 0, trainingDiscount: 0 }, { promptTokens: 10, completionTokens: 0 })).toBe(1);
    expect(() => tokenCostMicro(whole, { promptTokens: -1, completionTokens: 0 })).toThrow(RangeError);
    expect(() => tokenCostMicro(whole, { promptTokens: 1.5, completionTokens: 0 })).toThrow(RangeError);
  });
});

describe("openai clients from the registry", () => {
  test("a completion goes to the provider's base URL with its key and the upstream model name", async () => {
    const [target] = registry.targets("smart");
    const client = await registry.clientFor(target.provider);
    upstream.reply({ content: "Looks good.", usage: { prompt_tokens: 42, completion_tokens: 7 } });
    const answer = await client.chat.completions.create({ model: target.model, messages: [{ role: "user", content: "Review this" }] });
    expect(answer.choices[0].message.content).toBe("Looks good.");
    expect(answer.usage).toMatchObject({ prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 });
    const received = upstream.completions.at(-1)!;
    expect(received.headers.authorization).toBe("Bearer sk-configured");
    expect(received.body).toMatchObject({ model: "upstream-smart-v2", messages: [{ role: "user", content: "Review this" }] });
    expect(await registry.clientFor("main")).toBe(client); // cached per provider
  });

  test("streaming with include_usage yields the deltas and a final usage chunk", async () => {
    const client = await registry.clientFor("main");
    upstream.reply({ content: "alpha beta gamma", chunks: ["alpha ", "beta ", "gamma"], usage: { prompt_tokens: 5, completion_tokens: 3 } });
    const stream = await client.chat.completions.create({ model: "upstream-smart-v2", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces).toEqual(["alpha ", "beta ", "gamma"]);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  test("retries are off: one 500 from the upstream is one request and an APIError", async () => {
    const before = upstream.completions.length;
    upstream.fail({ status: 500 });
    const error = await (await registry.clientFor("main")).chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(upstream.completions.length).toBe(before + 1);
  });

  test("the provider timeout applies", async () => {
    upstream.reply({ content: "too late", delayMs: 3_000 });
    const error = await (await registry.clientFor("impatient")).chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  test("BYOK: allowed providers send the caller's key, others refuse", async () => {
    const client = await registry.clientFor("main", { apiKey: "sk-caller" });
    expect(client).not.toBe(await registry.clientFor("main"));
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch(() => {});
    expect(upstream.completions.at(-1)!.headers.authorization).toBe("Bearer sk-caller");
    await expect(registry.clientFor("local", { apiKey: "sk-caller" })).rejects.toThrow(/does not accept caller-supplied keys/);
    await expect(registry.clientFor("main", { apiKey: " " })).rejects.toThrow(AppError);
  });

  test("a provider without a key sends no Authorization header at all", async () => {
    const [target] = registry.targets("local-only");
    const answer = await (await registry.clientFor(target.provider)).chat.completions.create({ model: target.model, messages: [{ role: "user", content: "ping" }] });
    expect(answer.choices[0].message.content).toBe("Echo: ping");
    expect(keyless.completions.at(-1)!.headers.authorization).toBeUndefined();
  });
});
