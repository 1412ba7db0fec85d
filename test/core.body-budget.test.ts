import { expect, test } from "bun:test";
import { bodyBytesInFlight, IN_FLIGHT_BODY_BUDGET, readCappedText } from "../src/http/capped-body.ts";
import { AppError } from "../src/errors.ts";

/** The bytes all requests together hold while their bodies are read are bounded (issue 19: webhook floods). */
const MiB = 1024 * 1024;
const chunk = new Uint8Array(MiB).fill(0x61);

/** A chunked body of `mib` MiB; with `hold`, it pauses after `holdAt` MiB until `hold` resolves. */
function streamed(mib: number, hold?: Promise<void>, holdAt = mib) {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === holdAt && hold) await hold;
      if (sent >= mib) return controller.close();
      sent++;
      controller.enqueue(chunk);
    },
  });
  return new Request("http://localhost/", { method: "POST", body, duplex: "half" } as RequestInit);
}

test("past the in-flight budget a large body is refused with 413 and Retry-After; small bodies and a lone large one pass", async () => {
  let release: () => void = () => {};
  const hold = new Promise<void>((resolve) => (release = resolve));
  const heldMib = IN_FLIGHT_BODY_BUDGET / MiB - 10;
  // Caps below the budget (a cap above it raises the budget for that body: a lone body may always reach its cap).
  const cap = 40 * MiB;
  const held = readCappedText(streamed(heldMib + 5, hold, heldMib), IN_FLIGHT_BODY_BUDGET);
  while (bodyBytesInFlight() < heldMib * MiB) await Bun.sleep(1);

  const refused = await readCappedText(streamed(30), cap).catch((error) => error);
  expect(refused instanceof AppError).toBe(true);
  expect(refused.status).toBe(413);
  expect(refused.message).toMatch(/too much request data at once/);
  expect(refused.headers["retry-after"]).toBe("1");
  // A declared length that would pass the budget is refused before anything is read.
  const declared = new Request("http://localhost/", { method: "POST", body: "x".repeat(20 * MiB), headers: { "content-length": String(20 * MiB) } });
  expect((await readCappedText(declared, cap).catch((error) => error)).status).toBe(413);
  // Ordinary requests go on during a flood.
  expect((await readCappedText(streamed(1), cap)).length).toBe(MiB);

  release();
  expect((await held).length).toBe((heldMib + 5) * MiB);
  expect(bodyBytesInFlight()).toBe(0);
  // Alone, a body may always reach its own cap, even one larger than the budget.
  expect((await readCappedText(streamed(IN_FLIGHT_BODY_BUDGET / MiB + 8), IN_FLIGHT_BODY_BUDGET + 8 * MiB)).length).toBe(IN_FLIGHT_BODY_BUDGET + 8 * MiB);
});
