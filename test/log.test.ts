import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { accessLogger, createLogger, redactKeys } from "../src/log.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().trim().split("\n"));
      done();
    },
  });
  return { lines, stream };
}

test("credentials are redacted wherever they sit; the access log shares the stream and the level", () => {
  const { lines, stream } = capture();
  const log = createLogger("info", stream);
  log.info({ authorization: "Bearer crt_abc", nested: { apiKey: "sk-1", secret: "s", token: "t" }, headers: { authorization: "x" } }, "call");
  accessLogger(log).info({ method: "GET", route: "/healthz", status: 200 }, "request");
  accessLogger(log).debug({ route: "/hidden" }, "request");
  const [first, second] = lines.map((l) => JSON.parse(l));
  expect(first).toMatchObject({ authorization: "[redacted]", nested: { apiKey: "[redacted]", secret: "[redacted]", token: "[redacted]" }, headers: { authorization: "[redacted]" }, service: "critique" });
  expect(second).toMatchObject({ method: "GET", route: "/healthz", status: 200, service: "critique" });
  expect(lines).toHaveLength(2);
  expect(redactKeys("key crt_AbCdEf123456 leaked")).toBe("key crt_[redacted] leaked");
});
