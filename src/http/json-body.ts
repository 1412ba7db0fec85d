import { AppError } from "../errors.ts";
import { readCappedText } from "./capped-body.ts";

/** Deeper JSON than this is refused before it is parsed or validated (no request needs it; some parsers choke). */
export const MAX_JSON_DEPTH = 64;

/**
 * How deeply a JSON text nests, found in one linear pass, stopping as soon as `limit` is passed. Strings are
 * skipped with a native search for their closing quote: a 10 MB prompt is one string, and walking it character by
 * character held the event loop for 20–40 ms. A 40 KB `[[[…]]]` used to reach validation, whose error printed the
 * whole body: 2.5 s and 1.9 GB.
 */
export function exceedsDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = closingQuote(text, i);
      if (i < 0) return false; // unterminated: JSON.parse refuses it
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** The index of the quote that closes the string opened at `open` (one not escaped by an odd run of backslashes). */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** A JSON body read within `maxBytes` (413), nested at most MAX_JSON_DEPTH levels (400), then parsed (400). */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const text = await readCappedText(request, maxBytes);
  if (exceedsDepth(text)) throw new AppError("BAD_REQUEST", `Request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "Request body could not be parsed: send valid JSON with Content-Type: application/json");
  }
}
