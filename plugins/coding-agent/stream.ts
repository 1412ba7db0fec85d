import type { AppContext } from "../../src/context.ts";
import { endedBy, eventsAfter, onRunEvent, type RunEvent } from "./events.ts";

/** How often a stream looks for events written by other processes (its own process's wake it at once). */
const POLL_MS = 250;

/**
 * A run's events as Server-Sent Events: `id` is the event's sequence number, `event` its type, `data` its JSON.
 * It replays everything after `lastEventId` from the database (0: from the start of the run), then follows new
 * events until the `end` event, with a comment line after each `heartbeatMs` of silence.
 */
export function runEventStream(ctx: AppContext, runId: string, lastEventId: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const heartbeatMs = ctx.config.file.codingAgent.heartbeatSeconds * 1_000;
  let after = lastEventId;
  let wake: (() => void) | undefined;
  const unsubscribe = onRunEvent(runId, () => wake?.());
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      }
      wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  const format = (event: RunEvent) => `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ seq: event.seq, type: event.type, at: event.createdAt.toISOString(), ...event.data })}\n\n`;

  // `end` is a run's last event: a client resuming at or after it has nothing more to wait for.
  let resumeChecked = lastEventId === 0;

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let silentSince = Date.now();
      try {
        const resumedAfterEnd = !resumeChecked && (await endedBy(ctx, runId, lastEventId));
        resumeChecked = true;
        while (!signal.aborted && !resumedAfterEnd) {
          const events = await eventsAfter(ctx, runId, after);
          if (events.length) {
            controller.enqueue(encoder.encode(events.map(format).join("")));
            after = events[events.length - 1].seq;
            if (events.some((e) => e.type === "end")) break;
            return;
          }
          if (Date.now() - silentSince >= heartbeatMs) {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
            silentSince = Date.now();
            return;
          }
          await sleep(Math.min(POLL_MS, heartbeatMs - (Date.now() - silentSince)));
        }
      } catch (error) {
        ctx.log.warn({ err: error, runId }, "coding agent: event stream failed");
      }
      unsubscribe();
      controller.close();
    },
    cancel() {
      unsubscribe();
      wake?.();
    },
  });
}
