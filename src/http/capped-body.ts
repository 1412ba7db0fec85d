import { AppError } from "../errors.ts";

/**
 * Reads a request body as text, refusing more than `maxBytes` (413) before it is all in memory: a declared
 * Content-Length over the cap is refused at once, and a chunked body is counted as it arrives.
 */
export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `Request body is larger than ${Math.floor(maxBytes / (1024 * 1024))} MiB`);
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
