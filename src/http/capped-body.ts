import { AppError } from "../errors.ts";

/**
 * Request-body bytes all requests together may hold while being read. Each read is capped on its own, but ten
 * unsigned 100 MB webhook posts at once each filled their 25 MiB before being refused: 250 MB held, RSS 342 MB
 * (bench/abuse.ts). A lone body may always reach its own cap; beyond that, a body past 1 MiB that finds the total
 * over the budget is refused.
 */
export const IN_FLIGHT_BODY_BUDGET = 64 * 1024 * 1024;
/** Bodies up to this size are never refused for the budget: ordinary requests go on during a flood. */
const SMALL_BODY = 1024 * 1024;
let inFlight = 0;

/** Bytes of request bodies being read right now (for tests). */
export const bodyBytesInFlight = () => inFlight;

/**
 * Reads a request body as text, refusing more than `maxBytes` (413) before it is all in memory: a declared
 * Content-Length over the cap is refused at once, and a chunked body is counted as it arrives. A body that would
 * take the bytes buffered by all requests past IN_FLIGHT_BODY_BUDGET is also a 413, with Retry-After (RFC 9110:
 * larger than the server is able to process now).
 */
export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `Request body is larger than ${Math.floor(maxBytes / (1024 * 1024))} MiB`);
  const budget = Math.max(IN_FLIGHT_BODY_BUDGET, maxBytes);
  const busy = () => new AppError("PAYLOAD_TOO_LARGE", "Request body refused: the server is receiving too much request data at once; retry later", { "retry-after": "1" });
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (Number.isFinite(declared) && declared > SMALL_BODY && inFlight > 0 && inFlight + declared > budget) throw busy();
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      inFlight += chunk.byteLength;
      if (size > maxBytes) throw tooLarge();
      if (inFlight > budget && size > SMALL_BODY) throw busy();
      chunks.push(chunk);
    }
  } finally {
    inFlight -= size;
  }
  return Buffer.concat(chunks).toString("utf8");
}
