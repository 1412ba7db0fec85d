import { expect, test } from "bun:test";
import { chatCompletionRequest, plainlyValid } from "../plugins/inference/model.ts";

// plainlyValid (the gateway's zod-free fast path) may only accept what zod accepts, and must accept the bodies
// SDKs usually send, or the fast path would never be taken.

const user = { role: "user", content: "Hi" };
const valid: Record<string, unknown>[] = [
  { model: "m", messages: [user] },
  { model: "m", messages: [user], max_tokens: 64, temperature: 0.2, stream: false, n: 1, seed: 7 },
  { model: "m", messages: [user], stream: true, stream_options: { include_usage: true } },
  { model: "m", messages: [user], stream: null, stream_options: null, max_tokens: null, max_completion_tokens: null, n: null, tools: null },
  { model: "m", messages: [{ role: "system", content: "Be brief." }, user, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c1", content: "42" }] },
  { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "Look" }, { type: "image_url", image_url: { url: "data:," } }] }] },
  { model: "m", messages: [{ role: "assistant" }], tools: [{ type: "function", function: { name: "f", parameters: {} } }], tool_choice: "auto", response_format: { type: "json_object" } },
  { model: "m", messages: [user], max_completion_tokens: 1, n: 128, stream_options: {} },
];
const invalid: unknown[] = [
  null,
  [],
  "body",
  {},
  { model: "", messages: [user] },
  { model: 3, messages: [user] },
  { model: "m" },
  { model: "m", messages: [] },
  { model: "m", messages: {} },
  { model: "m", messages: [null] },
  { model: "m", messages: [[]] },
  { model: "m", messages: [{ content: "no role" }] },
  { model: "m", messages: [{ role: "", content: "x" }] },
  { model: "m", messages: [{ role: 1, content: "x" }] },
  { model: "m", messages: [{ role: "user", content: 5 }] },
  { model: "m", messages: [{ role: "user", content: {} }] },
  { model: "m", messages: [{ role: "user", content: [{ text: "no type" }] }] },
  { model: "m", messages: [{ role: "user", content: ["text"] }] },
  { model: "m", messages: [user], stream: "yes" },
  { model: "m", messages: [user], stream_options: [] },
  { model: "m", messages: [user], stream_options: { include_usage: "true" } },
  { model: "m", messages: [user], stream_options: { include_usage: null } },
  { model: "m", messages: [user], max_tokens: 0 },
  { model: "m", messages: [user], max_tokens: -5 },
  { model: "m", messages: [user], max_tokens: 1.5 },
  { model: "m", messages: [user], max_tokens: "64" },
  { model: "m", messages: [user], max_completion_tokens: 0 },
  { model: "m", messages: [user], n: 0 },
  { model: "m", messages: [user], n: 129 },
  { model: "m", messages: [user], tools: {} },
  { model: "m", messages: [user], tools: [{ function: {} }] },
];

/** What the guard claims must hold: zod accepts the body and its output equals the body. */
function expectAgreement(body: unknown) {
  const parsed = chatCompletionRequest.safeParse(body);
  if (plainlyValid(body)) {
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(body as never);
  }
}

test("the bodies SDKs send take the fast path, and zod agrees with each", () => {
  for (const body of valid) {
    expect(plainlyValid(body)).toBe(true);
    expectAgreement(body);
  }
});

test("every invalid body is left to zod, which refuses it", () => {
  for (const body of invalid) {
    expect(plainlyValid(body)).toBe(false);
    expect(chatCompletionRequest.safeParse(body).success).toBe(false);
  }
});

test("random single-field mutations of valid bodies: whenever the guard accepts, zod accepts the same body", () => {
  // A seeded generator (mulberry32), so a failure reproduces.
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const values = [undefined, null, true, false, 0, 1, -1, 2.5, 128, 129, "", "x", [], [{}], [{ type: "t" }], {}, { type: "t" }, { include_usage: true }, [user]];
  const fields = ["model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "n", "tools", "extra"];
  let accepted = 0;
  for (let i = 0; i < 5_000; i++) {
    const body = structuredClone(pick(valid));
    if (random() < 0.5) body[pick(fields)] = pick(values);
    else {
      const messages = body.messages as Record<string, unknown>[];
      messages[Math.floor(random() * messages.length)] = random() < 0.5 ? pick(values) as never : { ...messages[0], [pick(["role", "content"])]: pick(values) };
    }
    if (plainlyValid(body)) accepted++;
    expectAgreement(body);
  }
  // Both outcomes were exercised.
  expect(accepted).toBeGreaterThan(500);
  expect(accepted).toBeLessThan(4_500);
});
