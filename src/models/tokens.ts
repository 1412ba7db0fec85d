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
    counter = (text: string) => (text ? m.countTokens(text) : 0);
    return counter;
  });
  return loading;
}
