#!/usr/bin/env bun
/**
 * A minimal OpenAI-compatible upstream for bench/inference.ts: fixed answers, no recording, as fast as Bun
 * serves. Streams are a role chunk, three content chunks, a finish chunk, the usage chunk when asked, [DONE].
 *   bun bench/inference-upstream.ts <port>
 */
const port = Number(process.argv[2] ?? 0);
const usage = { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33 };
const base = { id: "chatcmpl-bench", created: 1_700_000_000, model: "bench-up", system_fingerprint: "fp_bench" };
const completion = JSON.stringify({
  ...base,
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "The quick brown fox." }, logprobs: null, finish_reason: "stop" }],
  usage,
});
const chunk = (delta: object, finish: string | null = null, withUsage = false) =>
  `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) })}\n\n`;
const events = (withUsage: boolean) => [
  chunk({ role: "assistant", content: "" }, null, withUsage),
  ...["The quick", " brown", " fox."].map((content) => chunk({ content }, null, withUsage)),
  chunk({}, "stop", withUsage),
  ...(withUsage ? [`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`] : []),
  "data: [DONE]\n\n",
];
const encoder = new TextEncoder();
const streamed = { true: events(true).map((e) => encoder.encode(e)), false: events(false).map((e) => encoder.encode(e)) };

const server = Bun.serve({
  port,
  hostname: "127.0.0.1",
  async fetch(request) {
    const body = await request.text();
    if (!body.includes('"stream":true')) return new Response(completion, { headers: { "content-type": "application/json" } });
    const parts = streamed[String(body.includes('"include_usage":true')) as "true" | "false"];
    // Each event is its own write, as a real upstream flushes tokens one by one.
    const stream = new ReadableStream<Uint8Array>({
      type: "direct",
      async pull(controller: { write(chunk: Uint8Array): void; flush(): Promise<void> | number; close(): void }) {
        for (const part of parts) {
          controller.write(part);
          await controller.flush();
        }
        controller.close();
      },
    } as never);
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  },
});
console.log(server.port);
