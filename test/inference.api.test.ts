import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError, UnprocessableEntityError } from "openai";
import { waitFor } from "./fakes/http.ts";
import { type InferenceHarness, PRICES, startInference } from "./helpers/inference.ts";

// The Inference API through the official `openai` SDK: models, completions, streams, tool calls, errors.
let h: InferenceHarness;
beforeAll(async () => {
  h = await startInference();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

const GRANT = 100_000_000;
const expectedCost = (usage: { prompt_tokens: number; completion_tokens: number }) => (usage.prompt_tokens * PRICES.input + usage.completion_tokens * PRICES.output) / 1e6;

test("GET /models lists the configured models with prices, training price, context window and health", async () => {
  const { sdk } = await h.client();
  const models = [];
  for await (const model of sdk.models.list()) models.push(model as OpenAI.Models.Model & Record<string, any>);
  expect(models.map((m) => m.id)).toEqual(["fast", "solo", "mine", "spare"]);
  const fast = models.find((m) => m.id === "fast")!;
  expect(fast.object).toBe("model");
  expect(fast.pricing).toEqual({
    input_per_million: PRICES.input,
    output_per_million: PRICES.output,
    training_opt_in: { input_per_million: PRICES.input * (1 - PRICES.trainingDiscount), output_per_million: PRICES.output * (1 - PRICES.trainingDiscount) },
  });
  expect(fast.context_window).toBe(64_000);
  expect(fast.max_output_tokens).toBe(1_000);
  expect(fast.health).toBe("healthy");

  const limited = await h.client({ allowedModels: ["solo"] });
  const visible = [];
  for await (const model of limited.sdk.models.list()) visible.push(model.id);
  expect(visible).toEqual(["solo"]);
});

test("a completion passes the body through, names the provider, and reports usage.cost as charged", async () => {
  const { sdk, userId } = await h.client({ grant: GRANT });
  const before = h.primary.completions.length;
  const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
  const { data, response } = await sdk.chat.completions
    .create({
      model: "fast",
      messages: [{ role: "system", content: "Answer in JSON." }, { role: "user", content: "What is the capital of France?" }],
      temperature: 0.3,
      seed: 7,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    })
    .withResponse();
  expect(response.headers.get("x-critique-provider")).toBe("primary");
  expect(JSON.parse(data.choices[0].message.content!)).toEqual({ answer: "" });
  const sent = h.primary.completions[before].body as Record<string, any>;
  expect(sent.model).toBe("up-fast");
  expect(sent.temperature).toBe(0.3);
  expect(sent.seed).toBe(7);
  expect(sent.response_format.json_schema.schema).toEqual(schema);
  expect(h.primary.completions[before].headers.authorization).toBe("Bearer sk-primary");

  const usage = data.usage as OpenAI.CompletionUsage & { cost: number };
  expect(usage.cost).toBeCloseTo(expectedCost(usage), 9);
  // Settlement is written right after the answer goes out.
  await waitFor(async () => (await h.balance(userId)) === GRANT - Math.round(usage.cost * 1e6), { what: "the call to be settled" });
});

test("streamed and non-streamed calls of the same exchange cost the same; include_usage gets the usage chunk with cost", async () => {
  const { sdk } = await h.client({ grant: GRANT });
  const usage = { prompt_tokens: 40, completion_tokens: 12 };
  h.primary.reply({ content: "Paris is the capital.", usage }, { content: "Paris is the capital.", usage });
  const messages = [{ role: "user" as const, content: "Capital of France?" }];
  const plain = await sdk.chat.completions.create({ model: "fast", messages });

  const stream = await sdk.chat.completions.create({ model: "fast", messages, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let streamedUsage: (OpenAI.CompletionUsage & { cost?: number }) | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) streamedUsage = chunk.usage;
  }
  expect(chunks).toBeGreaterThan(3);
  expect(text).toBe("Paris is the capital.");
  expect(streamedUsage?.cost).toBe((plain.usage as { cost?: number }).cost!);
  expect(streamedUsage?.cost).toBeCloseTo(expectedCost(usage), 9);
});

test("without include_usage the usage chunk is stripped, though the upstream was asked for it and the call is billed", async () => {
  const { sdk, userId } = await h.client({ grant: GRANT });
  const usage = { prompt_tokens: 30, completion_tokens: 9 };
  h.primary.reply({ content: "Streaming works.", usage });
  const before = h.primary.completions.length;
  const stream = await sdk.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "stream please" }], stream: true });
  let text = "";
  for await (const chunk of stream) {
    expect(chunk.usage ?? null).toBeNull();
    expect(chunk.choices.length).toBeGreaterThan(0);
    text += chunk.choices[0].delta.content ?? "";
  }
  expect(text).toBe("Streaming works.");
  expect((h.primary.completions[before].body as any).stream_options).toEqual({ include_usage: true });
  const charged = Math.round(expectedCost(usage) * 1e6);
  await waitFor(async () => (await h.balance(userId)) === GRANT - charged, { what: "the stream to be settled" });
});

test("tool calls round-trip, non-streamed and streamed", async () => {
  const { sdk } = await h.client({ grant: GRANT });
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
  ];
  const toolCall = { name: "get_weather", arguments: { city: "Paris" } };
  h.primary.reply({ toolCalls: [toolCall] }, { toolCalls: [toolCall] });
  const first = await sdk.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "Weather in Paris?" }], tools });
  const call = first.choices[0].message.tool_calls![0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
  expect(first.choices[0].finish_reason).toBe("tool_calls");
  expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });

  const streamed = await sdk.chat.completions.stream({ model: "fast", messages: [{ role: "user", content: "Weather in Paris?" }], tools }).finalChatCompletion();
  const streamedCall = streamed.choices[0].message.tool_calls![0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
  expect(streamedCall.function.name).toBe("get_weather");
  expect(JSON.parse(streamedCall.function.arguments)).toEqual({ city: "Paris" });

  const before = h.primary.completions.length;
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: "user", content: "Weather in Paris?" },
    first.choices[0].message,
    { role: "tool", tool_call_id: call.id, content: '{"temperature": 21}' },
  ];
  h.primary.reply({ content: "It is 21 degrees in Paris." });
  const second = await sdk.chat.completions.create({ model: "fast", messages, tools });
  expect(second.choices[0].message.content).toBe("It is 21 degrees in Paris.");
  const sent = h.primary.completions[before].body as { messages: any[]; tools: unknown };
  expect(sent.messages[1].tool_calls[0].id).toBe(call.id);
  expect(sent.messages[2]).toEqual({ role: "tool", tool_call_id: call.id, content: '{"temperature": 21}' });
  expect(sent.tools).toEqual(tools);
});

test("an upstream that reports no usage is billed from local token counts, marked estimated", async () => {
  const { sdk, userId } = await h.client({ grant: GRANT });
  h.primary.reply({ content: "No usage from me.", omitUsage: true }, { content: "No usage from me.", omitUsage: true });
  const plain = await sdk.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "count yourself" }] });
  const usage = plain.usage as OpenAI.CompletionUsage & { cost: number; estimated: boolean };
  expect(usage.estimated).toBe(true);
  expect(usage.prompt_tokens).toBeGreaterThan(0);
  expect(usage.completion_tokens).toBeGreaterThan(0);
  expect(usage.cost).toBeCloseTo(expectedCost(usage), 9);

  const stream = await sdk.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "count yourself" }], stream: true, stream_options: { include_usage: true } });
  let streamed: (OpenAI.CompletionUsage & { cost: number; estimated: boolean }) | undefined;
  for await (const chunk of stream) if (chunk.usage) streamed = chunk.usage as typeof streamed;
  expect(streamed?.estimated).toBe(true);
  expect(streamed?.cost).toBe(usage.cost);
  const rows = await waitFor(async () => ((await h.usageRows(userId)).length === 2 ? await h.usageRows(userId) : undefined), { what: "both calls to be recorded" });
  expect(rows.every((r) => r.estimated)).toBe(true);
});

test("errors come back in OpenAI's shape, with the SDK's error classes", async () => {
  const { sdk } = await h.client({ grant: GRANT });
  const messages = [{ role: "user" as const, content: "hi" }];

  const unknown = await sdk.chat.completions.create({ model: "no-such-model", messages }).catch((e) => e);
  expect(unknown).toBeInstanceOf(NotFoundError);
  expect(unknown.message).toContain("no-such-model");
  expect(unknown.code).toBe("model_not_found");
  expect(unknown.param).toBe("model");

  const invalid = await sdk.chat.completions.create({ model: "fast", messages: [] }).catch((e) => e);
  expect(invalid).toBeInstanceOf(UnprocessableEntityError);
  expect(invalid.param).toBe("messages");

  const anonymous = new OpenAI({ baseURL: `${h.server.url}/api/v1`, apiKey: "crt_not-a-real-key", maxRetries: 0 });
  expect(await anonymous.models.list().catch((e) => e)).toBeInstanceOf(AuthenticationError);
  expect(await anonymous.chat.completions.create({ model: "fast", messages }).catch((e) => e)).toBeInstanceOf(AuthenticationError);

  const wrongScope = new OpenAI({ baseURL: `${h.server.url}/api/v1`, apiKey: await h.server.key(["read:reviews"]), maxRetries: 0 });
  const denied = await wrongScope.chat.completions.create({ model: "fast", messages }).catch((e) => e);
  expect(denied).toBeInstanceOf(PermissionDeniedError);
  expect(denied.message).toContain("inference");

  h.primary.fail({ status: 400, message: "Invalid value for temperature" });
  const upstream400 = await sdk.chat.completions.create({ model: "fast", messages }).catch((e) => e);
  expect(upstream400).toBeInstanceOf(BadRequestError);
  expect(upstream400.message).toContain("Invalid value for temperature");
});

test("raw error responses: OpenAI error object, no-store, request id; unparsable JSON is 400", async () => {
  const key = await h.server.key(["inference"]);
  for (const [init, status] of [
    [{ method: "POST", key, body: "{not json", headers: { "content-type": "application/json" } }, 400],
    [{ method: "POST", json: { model: "fast", messages: [] } }, 401],
    [{ method: "POST", key, json: { model: 42, messages: [{ role: "user", content: "x" }] } }, 422],
  ] as const) {
    const res = await h.server.request("/api/v1/chat/completions", init as RequestInit & { key?: string; json?: unknown });
    expect(res.status).toBe(status);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = (await res.json()) as { error: { message: string; type: string; param: unknown; code: unknown } };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.message.length).toBeGreaterThan(5);
    if (status === 401) expect(res.headers.get("www-authenticate")).toContain("Bearer");
  }
  // These routes build their own Response: metrics count the status it carries, not a default 200.
  const metrics = await (await h.server.request("/metrics")).text();
  for (const status of [400, 401, 422]) expect(metrics).toContain(`critique_http_requests_total{method="POST",route="/api/v1/chat/completions",status="${status}"}`);
});
