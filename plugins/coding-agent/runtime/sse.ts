/** An agent is not trusted: one event larger than this ends the turn instead of growing the server's memory. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** Reads a `text/event-stream` body as parsed JSON `data:` payloads (what OpenCode's /event sends). */
export async function* sseJson(body: ReadableStream<Uint8Array>): AsyncGenerator<any> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    if (buffer.length > MAX_EVENT_CHARS && buffer.indexOf("\n\n") < 0) throw new Error(`the agent sent an event over ${MAX_EVENT_CHARS} characters`);
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data) {
        try {
          yield JSON.parse(data);
        } catch {
          // Not JSON: nothing we act on.
        }
      }
      end = buffer.indexOf("\n\n");
    }
  }
}
