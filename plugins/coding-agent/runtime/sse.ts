/** Reads a `text/event-stream` body as parsed JSON `data:` payloads (what OpenCode's /event sends). */
export async function* sseJson(body: ReadableStream<Uint8Array>): AsyncGenerator<any> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
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
