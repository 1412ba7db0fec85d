import { and, asc, eq, gt, gte } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { newId } from "../../src/ids.ts";
import type { Exchange } from "./metering.ts";
import type { AssistantMessage } from "./produced.ts";

/**
 * Training retention: only keys created with `--training-opt-in` ever have their prompts and completions stored
 * (and they pay the model's discounted rate for it). `critique training export` writes them as JSONL in the
 * chat fine-tuning format: one `{ "messages": [...prompt, assistant], "tools"? }` object per line.
 */
const RETAINED_FIELDS = ["messages", "tools", "tool_choice", "response_format"] as const;

export async function retainSample(ctx: AppContext, exchange: Exchange, completion: AssistantMessage[]): Promise<void> {
  const request: Record<string, unknown> = {};
  for (const field of RETAINED_FIELDS) if (exchange.request[field] != null) request[field] = exchange.request[field];
  await ctx.db.insert(ctx.tables.trainingSamples).values({
    id: newId(),
    userId: exchange.principal.userId,
    keyId: exchange.principal.keyId,
    model: exchange.model.id,
    request,
    completion,
    createdAt: new Date(),
  });
}

export interface ExportFilter {
  userId?: string;
  model?: string;
  since?: Date;
  /** Add `metadata: { id, model, createdAt }` to each line (not part of the fine-tuning format). */
  metadata?: boolean;
}

/** Every retained sample matching the filter, oldest first, one JSON line each; pages through the table. */
export async function* exportSamples(ctx: AppContext, filter: ExportFilter = {}): AsyncGenerator<string> {
  const { trainingSamples: t } = ctx.tables;
  let after = "";
  for (;;) {
    const rows = await ctx.db
      .select()
      .from(t)
      .where(and(gt(t.id, after), filter.userId ? eq(t.userId, filter.userId) : undefined, filter.model ? eq(t.model, filter.model) : undefined, filter.since ? gte(t.createdAt, filter.since) : undefined))
      .orderBy(asc(t.id))
      .limit(500);
    for (const row of rows) {
      const { messages = [], tools } = row.request as { messages?: unknown[]; tools?: unknown[] };
      const line: Record<string, unknown> = { messages: [...messages, row.completion[0] ?? { role: "assistant", content: null }] };
      if (tools) line.tools = tools;
      if (filter.metadata) line.metadata = { id: row.id, model: row.model, createdAt: row.createdAt.toISOString() };
      yield JSON.stringify(line);
    }
    if (rows.length < 500) return;
    after = rows[rows.length - 1].id;
  }
}
