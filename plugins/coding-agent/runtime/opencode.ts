import type { ModelConfig } from "../../../src/config/index.ts";
import { bounded, type RunEventType } from "../events.ts";
import type { Sandbox } from "../sandbox/provider.ts";
import { opencodeProcess, PROVIDER_ID } from "./opencode-config.ts";
import { sseJson } from "./sse.ts";

/** What a turn tells the run as it goes (each becomes a stored, streamed event). */
export type TurnEventSink = (type: RunEventType, data: Record<string, unknown>) => Promise<void>;

export interface TurnOutcome {
  /** The agent's last text of the turn. */
  summary: string | null;
  /** Set when OpenCode reported a failure (an upstream error, a refused call…). */
  error: string | null;
}

/** Abort reason for "stop following this turn, but let the agent finish it" (a server handing a turn over). */
export class LeaveAgentRunning extends Error {}

/** Starts OpenCode's server in the sandbox and opens a session for the run. */
export async function startOpencode(sandbox: Sandbox, model: ModelConfig, runKey: string, title: string): Promise<string> {
  await sandbox.start(opencodeProcess(sandbox, model, runKey), "/session");
  const res = await sandbox.agentFetch("/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) });
  if (!res.ok) throw new Error(`OpenCode could not open a session (${res.status}): ${(await res.text()).slice(0, 300)}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * One prompt, to completion: subscribe to OpenCode's events first, send the prompt, relay what happens (text,
 * tool calls and their results, command output), and return when the session is idle again. Aborting the signal
 * interrupts the agent (limits, cancel).
 */
export async function runOpencodeTurn(sandbox: Sandbox, sessionId: string, model: ModelConfig, prompt: string, emit: TurnEventSink, signal: AbortSignal): Promise<TurnOutcome> {
  const relay = new Relay(sessionId, emit);
  try {
    await follow(sandbox, relay, signal, async () => {
      const sent = await sandbox.agentFetch(`/session/${sessionId}/prompt_async`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: { providerID: PROVIDER_ID, modelID: model.id }, parts: [{ type: "text", text: prompt }] }),
        signal,
      });
      if (!sent.ok) throw new Error(`OpenCode refused the prompt (${sent.status}): ${(await sent.text()).slice(0, 300)}`);
      return true;
    });
    return { summary: relay.summary, error: relay.error };
  } catch (error) {
    if (signal.aborted) {
      if (!(signal.reason instanceof LeaveAgentRunning)) await sandbox.agentFetch(`/session/${sessionId}/abort`, { method: "POST" }).catch(() => undefined);
      return { summary: relay.summary, error: null };
    }
    throw error;
  }
}

/**
 * After this server lost a turn midway (it restarted) but the sandbox kept running: follow the session until it
 * is idle (at once when it already is), relaying what still happens, and return the agent's last text.
 */
export async function awaitOpencodeIdle(sandbox: Sandbox, sessionId: string, emit: TurnEventSink, signal: AbortSignal): Promise<TurnOutcome> {
  const relay = new Relay(sessionId, emit);
  await follow(sandbox, relay, signal, async () => {
    const statuses = (await (await sandbox.agentFetch("/session/status")).json()) as Record<string, { type?: string }>;
    if (statuses[sessionId]?.type !== "busy") return false;
    relay.sawBusy();
    return true;
  });
  return { summary: relay.summary ?? (await lastAssistantText(sandbox, sessionId)), error: relay.error };
}

/**
 * Subscribes to OpenCode's events (live once the first one arrives, so nothing after it can be missed), runs
 * `begin`, and, when it says there is a turn to wait for, relays events until the session is idle.
 */
async function follow(sandbox: Sandbox, relay: Relay, signal: AbortSignal, begin: () => Promise<boolean>): Promise<void> {
  const events = new AbortController();
  const stopEvents = () => events.abort();
  signal.addEventListener("abort", stopEvents, { once: true });
  try {
    const res = await sandbox.agentFetch("/event", { signal: events.signal, headers: { accept: "text/event-stream" } });
    if (!res.ok || !res.body) throw new Error(`OpenCode's event stream answered ${res.status}`);
    const stream = sseJson(res.body)[Symbol.asyncIterator]();
    await stream.next();
    if (!(await begin())) return;
    for (;;) {
      const { value, done } = await stream.next();
      if (done) throw new Error("OpenCode's event stream ended before the turn finished");
      if (await relay.handle(value)) return;
    }
  } finally {
    signal.removeEventListener("abort", stopEvents);
    events.abort();
  }
}

const MAX_EVENTS_PER_TURN = 5_000;

async function lastAssistantText(sandbox: Sandbox, sessionId: string): Promise<string | null> {
  const messages = (await (await sandbox.agentFetch(`/session/${sessionId}/message`)).json()) as { info?: { role?: string }; parts?: { type?: string; text?: string }[] }[];
  const last = messages.filter((m) => m.info?.role === "assistant").at(-1);
  return last?.parts?.filter((p) => p.type === "text" && p.text).at(-1)?.text ?? null;
}

/** Turns OpenCode's bus events for one session into run events, each once. */
class Relay {
  summary: string | null = null;
  error: string | null = null;
  readonly #assistantMessages = new Set<string>();
  readonly #emitted = new Set<string>();
  #busy = false;

  constructor(
    private readonly sessionId: string,
    private readonly emit: TurnEventSink,
  ) {}

  /** The session was already busy when we started listening. */
  sawBusy() {
    this.#busy = true;
  }

  /** Returns true when the turn is over. */
  async handle(event: any): Promise<boolean> {
    const props = event?.properties ?? {};
    if (props.sessionID && props.sessionID !== this.sessionId) return false;
    switch (event?.type) {
      case "message.updated":
        if (props.info?.role === "assistant") this.#assistantMessages.add(props.info.id);
        if (props.info?.error) await this.#fail(errorText(props.info.error));
        return false;
      case "message.part.updated":
        await this.#part(props.part);
        return false;
      case "session.error":
        await this.#fail(errorText(props.error));
        return false;
      case "session.status":
        if (props.status?.type === "busy") this.#busy = true;
        return props.status?.type === "idle" && this.#busy;
      case "session.idle":
        return this.#busy;
      default:
        return false;
    }
  }

  async #fail(message: string) {
    if (this.error === message) return;
    this.error = message;
    await this.emit("error", { message });
  }

  async #once(key: string, type: RunEventType, data: Record<string, unknown>) {
    if (this.#emitted.has(key)) return;
    this.#emitted.add(key);
    // Every event is a row: an agent looping on tool calls must not fill the database. The turn goes on.
    if (this.#emitted.size > MAX_EVENTS_PER_TURN) return;
    if (this.#emitted.size === MAX_EVENTS_PER_TURN) return void (await this.emit("error", { message: `more than ${MAX_EVENTS_PER_TURN} events in this turn: the rest are not recorded` }));
    await this.emit(type, data);
  }

  async #part(part: any) {
    if (!part || !this.#assistantMessages.has(part.messageID)) return;
    if (part.type === "text" && part.time?.end && typeof part.text === "string" && part.text.trim()) {
      this.summary = part.text;
      await this.#once(`text:${part.id}`, "assistant.text", { text: bounded(part.text) });
    }
    if (part.type !== "tool") return;
    const state = part.state ?? {};
    if (["running", "completed", "error"].includes(state.status)) {
      await this.#once(`call:${part.callID}`, "tool.call", { tool: part.tool, callId: part.callID, input: boundedInput(state.input) });
    }
    if (state.status !== "completed" && state.status !== "error") return;
    const output = state.status === "error" ? String(state.error ?? "error") : String(state.output ?? "");
    await this.#once(`result:${part.callID}`, "tool.result", { tool: part.tool, callId: part.callID, status: state.status, output: bounded(output) });
    if (part.tool === "bash") {
      const exitCode = typeof state.metadata?.exit === "number" ? state.metadata.exit : null;
      await this.#once(`command:${part.callID}`, "command.output", { command: String(state.input?.command ?? ""), output: bounded(String(state.metadata?.output ?? output)), exitCode });
    }
  }
}

function boundedInput(input: unknown): unknown {
  const text = JSON.stringify(input ?? {});
  return text.length <= 4_000 ? input : { truncated: bounded(text) };
}

function errorText(error: any): string {
  return String(error?.data?.message ?? error?.message ?? error?.name ?? "the agent reported an error").slice(0, 1_000);
}
