import { LRUCache } from "lru-cache";
import type { Logger } from "../log.ts";
import type { CountAnswer, CountRequest } from "./count-worker.ts";
import { utf8Bytes } from "./linear-counts.ts";

/**
 * Local token counting with the o200k_base BPE (gpt-tokenizer): reservations before a completion, estimates when an
 * upstream reports no usage, the review pipeline's chunk budget. Counting is CPU work (random base64 ~1.5 µs a
 * character) and loading the encoding takes ~0.3 s and ~70 MB, so both happen in one worker thread per process,
 * started on first use (never for CLI commands, nor by an idle server), and never block the event loop (issue 19).
 * The work is bounded: past `EXACT_CHARS` a request's texts, and past `BUDGET_MS` of a batch's counting the rest,
 * are bounded from above by their UTF-8 bytes (a token covers at least one byte), safe for holds and budgets.
 */
/** Characters of one request counted exactly (~500k tokens of prose, beyond any context window). */
const EXACT_CHARS = 2_000_000;
/** Counting time per batch in the worker. */
const BUDGET_MS = 1_000;
/** A worker that has not answered by then (queued behind others, or broken) is not waited for: byte bounds. */
const TIMEOUT_MS = 10_000;

/** What the counter may use of the context that first needs it: closing it stops the worker. */
export interface CountingContext {
  closers: (() => Promise<void>)[];
  log: Logger;
}

interface Pending {
  resolve(answer: CountAnswer): void;
}
let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

/**
 * The worker's entrypoint. In the compiled binary (package.json `build` names it as a second entrypoint) the
 * bundle's root is src/, shared with the CLI: this module's code lies in a chunk at the root, the worker at
 * models/count-worker.js, so `./count-worker.ts` next to this file would not be found there.
 */
function workerUrl(): string {
  const compiled = import.meta.url.includes("/$bunfs/");
  return new URL(compiled ? "./models/count-worker.js" : "./count-worker.ts", import.meta.url).href;
}

function startWorker(ctx: CountingContext | undefined): Worker {
  const started = new Worker(workerUrl());
  // Held (ref) only while a count is awaited: an idle worker never keeps a process (a test, a command) alive.
  started.unref();
  started.onmessage = (event: MessageEvent<CountAnswer>) => {
    pending.get(event.data.id)?.resolve(event.data);
    settled(event.data.id);
  };
  started.onerror = (event) => {
    ctx?.log.error({ error: event.message }, "tokens: the counting worker failed; counting with byte bounds until it restarts");
    stopWorker(started);
  };
  ctx?.closers.push(async () => stopWorker(started));
  return started;
}

/** Ends the worker; waiting callers get byte bounds, and the next count starts a fresh one. */
function stopWorker(which: Worker): void {
  if (worker !== which) return;
  worker = undefined;
  which.terminate();
  for (const [id, waiting] of pending) waiting.resolve({ id, counts: [], partial: true });
  pending.clear();
}

function settled(id: number): void {
  pending.delete(id);
  if (pending.size === 0) worker?.unref();
}

/** Counts in the worker, or answers byte bounds after `TIMEOUT_MS` (logged: counting is behind). */
function countInWorker(texts: string[], ctx: CountingContext | undefined): Promise<{ counts: number[]; exact: boolean }> {
  worker ??= startWorker(ctx);
  const id = ++nextId;
  const bounds = () => texts.map(utf8Bytes);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      settled(id);
      ctx?.log.warn({ texts: texts.length, timeoutMs: TIMEOUT_MS }, "tokens: the counting worker did not answer in time; counted byte bounds");
      resolve({ counts: bounds(), exact: false });
    }, TIMEOUT_MS);
    pending.set(id, {
      resolve: (answer) => {
        clearTimeout(timer);
        resolve(answer.counts.length === texts.length ? { counts: answer.counts, exact: !answer.partial } : { counts: bounds(), exact: false });
      },
    });
    worker!.ref();
    worker!.postMessage({ id, texts, budgetMs: BUDGET_MS } satisfies CountRequest);
  });
}

/** Texts shorter than this are counted every time: cheap to count, and too many to be worth remembering. */
const MIN_REMEMBERED_CHARS = 256;

export type BatchCounter = (texts: string[], ctx?: CountingContext) => Promise<number[]>;
type WorkerCounter = (texts: string[], ctx?: CountingContext) => Promise<{ counts: number[]; exact: boolean }>;

/**
 * Batches `count` with the counts of recent long texts remembered (least recently used out first, at most `maxChars`
 * characters of text held), looked up before anything is posted. Agents resend their whole conversation on every
 * turn: a repeated message costs a lookup, so only what is new in a turn is counted (and a turn of repeats posts
 * nothing). Equal texts of one batch are counted once; past `exactChars` the rest are byte bounds, not posted.
 */
export function rememberingCounts(count: WorkerCounter, maxChars = 8_000_000, exactChars = EXACT_CHARS): BatchCounter {
  const remembered = new LRUCache<string, number>({ maxSize: maxChars, sizeCalculation: (_count, text) => text.length });
  return async (texts, ctx) => {
    const counts = new Array<number>(texts.length).fill(0);
    const toCount = new Map<string, number[]>(); // text → its places in `counts`
    let chars = 0;
    texts.forEach((text, i) => {
      if (!text) return;
      const known = text.length >= MIN_REMEMBERED_CHARS ? remembered.get(text) : undefined;
      if (known !== undefined) counts[i] = known;
      else if (toCount.has(text)) toCount.get(text)!.push(i);
      else {
        chars += text.length;
        if (chars > exactChars) counts[i] = utf8Bytes(text);
        else toCount.set(text, [i]);
      }
    });
    if (toCount.size === 0) return counts;
    const batch = [...toCount.keys()];
    const answer = await count(batch, ctx);
    batch.forEach((text, k) => {
      const tokens = answer.counts[k]!;
      for (const i of toCount.get(text)!) counts[i] = tokens;
      if (answer.exact && text.length >= MIN_REMEMBERED_CHARS) remembered.set(text, tokens);
    });
    return counts;
  };
}

/**
 * The counts of `texts`, in order, in one round trip to the worker (none when all are remembered or empty).
 * `ctx`: the context whose closing ends the worker, and whose log hears of timeouts.
 */
export const countTokens: BatchCounter = rememberingCounts(countInWorker);

/** The sum of `texts`' counts. */
export const sumTokens = async (texts: string[], ctx?: CountingContext) => (await countTokens(texts, ctx)).reduce((a, b) => a + b, 0);
