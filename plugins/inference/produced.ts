import type { Produced } from "./tokens.ts";

/**
 * What a model produced, read back from its answer: for estimating tokens when the upstream reported no usage,
 * and for the training sample of an opted-in key. Only done when one of those is needed, never per chunk.
 */
interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface ChoiceDelta {
  index?: number;
  delta?: { role?: string; content?: string | null; refusal?: string | null; tool_calls?: ToolCallDelta[] };
  finish_reason?: string | null;
}

/** Assistant messages, one per choice, as OpenAI's non-streamed response would have carried them. */
export interface AssistantMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}

/** Rebuilds each choice's message from streamed chunk payloads (content deltas, tool-call deltas by index). */
export function messagesFromChunks(payloads: string[]): AssistantMessage[] {
  const choices: { content: string | null; calls: Map<number, { id: string; type: string; function: { name: string; arguments: string } }> }[] = [];
  for (const payload of payloads) {
    let chunk: { choices?: ChoiceDelta[] };
    try {
      chunk = JSON.parse(payload);
    } catch {
      continue;
    }
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      choices[index] ??= { content: null, calls: new Map() };
      const slot = choices[index];
      const delta = choice.delta;
      if (typeof delta?.content === "string") slot.content = (slot.content ?? "") + delta.content;
      for (const call of delta?.tool_calls ?? []) {
        const position = call.index ?? 0;
        const existing = slot.calls.get(position) ?? { id: call.id ?? "", type: call.type ?? "function", function: { name: "", arguments: "" } };
        if (call.id) existing.id = call.id;
        if (call.function?.name) existing.function.name += call.function.name;
        if (call.function?.arguments) existing.function.arguments += call.function.arguments;
        slot.calls.set(position, existing);
      }
    }
  }
  return choices.map((c) => ({ role: "assistant", content: c?.content ?? null, ...(c?.calls.size ? { tool_calls: [...c.calls.values()] } : {}) }));
}

/** The assistant messages of a non-streamed response. */
export function messagesFromCompletion(json: { choices?: { message?: AssistantMessage }[] }): AssistantMessage[] {
  return (json.choices ?? []).map((c) => c.message ?? { role: "assistant", content: null });
}

export function producedOf(messages: AssistantMessage[]): Produced[] {
  return messages.map((m) => ({
    content: m.content ?? "",
    toolCalls: (m.tool_calls ?? []).map((c) => ({ name: c.function?.name ?? "", arguments: c.function?.arguments ?? "" })),
  }));
}
