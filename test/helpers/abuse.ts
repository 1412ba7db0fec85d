import type { SeedFile } from "../fakes/github.ts";

/**
 * The attacks of issue 19, shared by bench/abuse.ts (compiled binary, figures) and test/abuse.*.test.ts (asserts).
 * Each one answers what the server said, so callers check the status and the `{ "error": … }` envelope.
 */
export interface Answer {
  status: number;
  body: any;
  /** Bytes of a streamed body the client got out before the answer came. */
  sent?: number;
}

const json = async (response: Response) => response.json().catch(() => null);

/** `[[[…]]]` of about `bytes` characters. */
export const nestedJson = (bytes: number) => `${"[".repeat(bytes / 2)}${"]".repeat(bytes / 2)}`;

/** A chat completion whose one user message is `chars` copies of one letter. */
export async function floodPrompt(url: string, key: string, model: string, chars: number): Promise<Answer> {
  const body = JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: "a".repeat(chars) }] });
  const response = await fetch(`${url}/api/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
  return { status: response.status, body: await json(response) };
}

/** A chat completion whose one user message is `bytes` characters of random base64 (~2.5 µs a character to count exactly). */
export async function base64Prompt(url: string, key: string, model: string, bytes: number): Promise<Answer> {
  const random = new Uint8Array(Math.ceil((bytes * 3) / 4));
  for (let i = 0; i < random.length; i += 65_536) crypto.getRandomValues(random.subarray(i, i + 65_536));
  const body = JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: Buffer.from(random).toString("base64").slice(0, bytes) }] });
  const response = await fetch(`${url}/api/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
  return { status: response.status, body: await json(response) };
}

export async function postJson(url: string, path: string, key: string, body: string): Promise<Answer> {
  const response = await fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
  return { status: response.status, body: await json(response) };
}

/**
 * POSTs `total` bytes as a chunked stream (no Content-Length, so the server cannot refuse it from the headers and
 * must count), 64 KiB at a time, and stops sending once the answer is in.
 */
export async function postStream(url: string, path: string, total: number, headers: Record<string, string> = {}): Promise<Answer> {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  let answered = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (answered || sent >= total) return controller.close();
      const piece = sent + chunk.byteLength > total ? chunk.subarray(0, total - sent) : chunk;
      sent += piece.byteLength;
      controller.enqueue(piece);
    },
  });
  try {
    const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit);
    answered = true;
    return { status: response.status, body: await json(response), sent };
  } catch (error) {
    // The server may close the connection right after its answer while the client is still writing.
    return { status: 0, body: { clientError: String(error) }, sent };
  }
}

/** `once`, `n` times one after another (each attack request waits for the previous answer). */
export async function inSequence(n: number, once: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) answers.push(await once());
  return answers;
}

/**
 * Ten (by default) streamed posts of `bytes` each to the GitHub webhook receiver, all at once: unsigned, or with a
 * well-formed signature that cannot match (refused only once the body is read).
 */
export function webhookFlood(url: string, bytes = 100 * 1024 * 1024, count = 10, options: { forged?: boolean } = {}): Promise<Answer[]> {
  const headers: Record<string, string> = { "x-github-event": "pull_request", "x-github-delivery": "" };
  if (options.forged) headers["x-hub-signature-256"] = `sha256=${"0".repeat(64)}`;
  return Promise.all(Array.from({ length: count }, (_, i) => postStream(url, "/api/github/webhooks", bytes, { ...headers, "x-github-delivery": `flood-${i}` })));
}

/** A file whose diff adds one line of `bytes` characters (one repeated letter: the tokenizer's worst case). */
export const longLineFile = (bytes: number): SeedFile => ({
  filename: "src/generated/blob.ts",
  status: "added",
  patch: `@@ -0,0 +1,1 @@\n+export const blob = "${"x".repeat(bytes)}";`,
});

/** Queues a review over REST and waits (bounded) until its run is terminal; answers the run. */
export async function reviewToEnd(url: string, key: string, body: Record<string, unknown>, timeoutMs = 60_000): Promise<{ queued: Answer; run: any }> {
  const queued = await postJson(url, "/api/v1/reviews", key, JSON.stringify(body));
  const id = queued.body?.review?.reviewRunId;
  if (queued.status !== 202 || !id) return { queued, run: null };
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/api/v1/review-runs/${id}`, { headers: { authorization: `Bearer ${key}` } });
    const run = ((await response.json()) as any).reviewRun;
    if (["COMPLETED", "FAILED", "CANCELLED"].includes(run?.status)) return { queued, run };
    if (performance.now() > deadline) throw new Error(`review run ${id} still ${run?.status} after ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}
