import { LRUCache } from "lru-cache";

/**
 * Local token counting with the o200k_base BPE (gpt-tokenizer): reservations before a completion, estimates when an
 * upstream reports no usage, the review pipeline's chunk budget. Loading the encoding takes most of a second and
 * ~90 MB, so it happens on first use, not at start-up (and never for CLI commands).
 */
export type TokenCounter = (text: string) => number;
let counter: TokenCounter | undefined;
let loading: Promise<TokenCounter> | undefined;

export async function tokenCounter(): Promise<TokenCounter> {
  if (counter) return counter;
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((m) => {
    counter = rememberingCounts(linearCounts(m.countTokens));
    return counter;
  });
  return loading;
}

/** Unbroken runs longer than this are counted in pieces of `PIECE` characters. */
const LONG_RUN = /\S{257,}/g;
const PIECE = 128;

/**
 * `count` in time linear in the text. BPE merges are quadratic in the length of one pre-tokenized piece, and a run
 * of non-space characters is one piece: 80 KB of one letter took 3.3 s on the event loop, so a single prompt or
 * pull-request line stalled every request. Long runs (base64, minified code, a flood of one letter) are counted in
 * 128-character pieces (about one token more per piece than whole: these counts are estimates and budgets).
 */
export function linearCounts(count: TokenCounter): TokenCounter {
  return (text) => {
    let total = 0;
    let last = 0;
    for (const match of text.matchAll(LONG_RUN)) {
      if (match.index > last) total += count(text.slice(last, match.index));
      for (let i = 0; i < match[0].length; i += PIECE) total += count(match[0].slice(i, i + PIECE));
      last = match.index + match[0].length;
    }
    return last === 0 ? count(text) : total + (last < text.length ? count(text.slice(last)) : 0);
  };
}

/** Texts shorter than this are counted every time: cheap to count, and too many to be worth remembering. */
const MIN_REMEMBERED_CHARS = 256;

/**
 * `count` with the counts of recent long texts remembered (least recently used out first, at most `maxChars`
 * characters of text held). Agents resend their whole conversation on every turn, and counting 20 KB of it takes
 * over a millisecond; looking a repeated message up takes microseconds, so only what is new in a turn is counted.
 */
export function rememberingCounts(count: TokenCounter, maxChars = 8_000_000): TokenCounter {
  const counts = new LRUCache<string, number>({ maxSize: maxChars, sizeCalculation: (_count, text) => text.length });
  return (text) => {
    if (!text) return 0;
    if (text.length < MIN_REMEMBERED_CHARS) return count(text);
    let tokens = counts.get(text);
    if (tokens === undefined) {
      tokens = count(text);
      counts.set(text, tokens);
    }
    return tokens;
  };
}
