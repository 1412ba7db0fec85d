/**
 * The token-counting worker (src/models/tokens.ts): loads the o200k_base encoding on its first message, off the
 * server's event loop (~0.3 s and ~70 MB), and answers `{ id, counts, partial }` for each `{ id, texts, budgetMs }`.
 * Its own entrypoint in `bun run build`, so the compiled binary carries it.
 */
import { linearCounts, type TokenCounter } from "./linear-counts.ts";

declare const self: Worker;

export interface CountRequest {
  id: number;
  texts: string[];
  /** Counting time for this batch, after which the rest is bounded by UTF-8 bytes (`partial`). */
  budgetMs: number;
}
export interface CountAnswer {
  id: number;
  counts: number[];
  /** Some counts are byte bounds, not the tokenizer's: not to be remembered as exact. */
  partial: boolean;
}

let loading: Promise<TokenCounter> | undefined;
const counter = () =>
  (loading ??= import("gpt-tokenizer/encoding/o200k_base").then((m) => {
    // Its merge cache evicts with `keys().next()` on a Map full of deleted entries: once full (100,000 pieces, one
    // MB of random base64) counting got ~10x slower. Without the cache counting is as fast for prose and code.
    m.setMergeCacheSize(0);
    return linearCounts(m.countTokens);
  }));

self.onmessage = async (event: MessageEvent<CountRequest>) => {
  const { id, texts, budgetMs } = event.data;
  const count = await counter();
  const until = performance.now() + budgetMs;
  let partial = false;
  const spent = () => {
    if (!partial && performance.now() > until) partial = true;
    return partial;
  };
  const counts = texts.map((text) => count(text, spent));
  self.postMessage({ id, counts, partial } satisfies CountAnswer);
};
