/** A token counter; `spent` (checked between pieces) says the caller's time is up: the rest is then bounded by bytes. */
export type TokenCounter = (text: string, spent?: () => boolean) => number;

/** Unbroken runs longer than this are counted in pieces of `PIECE` characters. */
const LONG_RUN = /\S{257,}/g;
const PIECE = 128;
/** Distinct pieces remembered per text (random data repeats none: the memo then only costs memory). */
const MAX_REMEMBERED_PIECES = 1_024;

/** A BPE token covers at least one UTF-8 byte: a text's byte length bounds its token count from above, in microseconds. */
export const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * `count` in time linear in the text. BPE merges are quadratic in the length of one pre-tokenized piece, and a run
 * of non-space characters is one piece: 80 KB of one letter took 3.3 s on the event loop, so a single prompt or
 * pull-request line stalled every request. Long runs (base64, minified code, a flood of one letter) are counted in
 * 128-character pieces (about one token more per piece than whole: these counts are estimates and budgets).
 * Once `spent()` says so, what is left is bounded by its UTF-8 bytes: random base64 costs ~1.5 µs a character.
 */
export function linearCounts(count: (text: string) => number): TokenCounter {
  return (text, spent = () => false) => {
    if (spent()) return utf8Bytes(text);
    let total = 0;
    let last = 0;
    // Pieces of a flood repeat: 10 MB of one letter is 78,000 equal pieces, 90 ms to count one by one (bench/abuse.ts).
    const pieces = new Map<string, number>();
    const countPiece = (piece: string) => {
      let tokens = pieces.get(piece);
      if (tokens === undefined) {
        tokens = count(piece);
        if (pieces.size < MAX_REMEMBERED_PIECES) pieces.set(piece, tokens);
      }
      return tokens;
    };
    for (const match of text.matchAll(LONG_RUN)) {
      if (spent()) return total + utf8Bytes(text.slice(last));
      if (match.index > last) total += count(text.slice(last, match.index));
      const end = match.index + match[0].length;
      for (let i = match.index; i < end; i += PIECE) {
        if (spent()) return total + utf8Bytes(text.slice(i));
        total += countPiece(text.slice(i, Math.min(i + PIECE, end)));
      }
      last = end;
    }
    if (last === 0) return count(text);
    if (last < text.length) return spent() ? total + utf8Bytes(text.slice(last)) : total + count(text.slice(last));
    return total;
  };
}
