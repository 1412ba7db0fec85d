import { FakeOpenAI, type FakeReply } from "./openai.ts";

/**
 * The model behind a coding agent, scripted: every request that offers tools (OpenCode's agent loop) gets the next
 * step — a tool call in OpenCode's own tool names and argument shapes, or a final text — and requests without
 * tools (OpenCode's title and summary helpers) get a short title. It speaks OpenAI's wire format (SSE) through
 * FakeOpenAI, so OpenCode's real provider code parses it.
 */
export type AgentStep =
  | { tool: "read"; filePath: string }
  | { tool: "edit"; filePath: string; oldString: string; newString: string }
  | { tool: "write"; filePath: string; content: string }
  | { tool: "bash"; command: string; description?: string }
  | { say: string; delayMs?: number }
  | { wait: number; tool?: undefined };

export class AgentUpstream {
  readonly fake: FakeOpenAI;
  readonly #steps: AgentStep[] = [];
  readonly #byMarker = new Map<string, AgentStep[]>();
  /** Requests that carried tools (agent turns), in order. */
  readonly agentRequests: any[] = [];

  private constructor() {
    this.fake = FakeOpenAI.start();
    this.fake.responder = (body) => this.#answer(body);
  }

  static start(): AgentUpstream {
    return new AgentUpstream();
  }

  /** Steps for whichever run asks next. */
  script(...steps: AgentStep[]) {
    this.#steps.push(...steps);
  }

  /** Steps only for the run whose prompt contains `marker` (runs in one test file then cannot take each other's). */
  scriptFor(marker: string, ...steps: AgentStep[]) {
    this.#byMarker.set(marker, [...(this.#byMarker.get(marker) ?? []), ...steps]);
  }

  get pending(): number {
    return this.#steps.length;
  }

  #answer(body: any): FakeReply {
    if (!Array.isArray(body.tools) || body.tools.length === 0) return { content: "Agent work" };
    this.agentRequests.push(body);
    const said = JSON.stringify(body.messages.filter((m: any) => m.role === "user"));
    const marker = [...this.#byMarker.keys()].find((m) => said.includes(m));
    const step = (marker ? this.#byMarker.get(marker)!.shift() : this.#steps.shift()) ?? { say: "Done." };
    if ("say" in step) return { content: step.say, delayMs: step.delayMs };
    if ("wait" in step && step.tool === undefined) return { content: "Still working.", delayMs: step.wait };
    const { tool, ...args } = step as Exclude<AgentStep, { say: string } | { wait: number }>;
    if (tool === "bash" && !("description" in args)) (args as { description?: string }).description = "Run a command";
    return { toolCalls: [{ name: tool, arguments: args }] };
  }

  stop() {
    this.fake.stop();
  }
}
