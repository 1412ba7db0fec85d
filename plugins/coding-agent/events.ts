import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";

/**
 * A run's events: rows first (numbered 1, 2, 3… per run, so SSE ids increase and `Last-Event-ID` replays from the
 * database in any process), then a wake-up for streams open in this process. Streams in other processes notice
 * by polling (stream.ts).
 */
export type RunEventType =
  | "status"
  | "turn.started"
  | "assistant.text"
  | "tool.call"
  | "tool.result"
  | "command.output"
  | "patch"
  | "pull_request"
  | "error"
  | "turn.completed"
  | "end";

export interface RunEvent {
  seq: number;
  type: RunEventType;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Tool output and command output in events are cut to this many characters (the workspace has the rest). */
export const EVENT_TEXT_LIMIT = 4_000;

export function bounded(text: string, limit = EVENT_TEXT_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [${text.length - limit} more characters]`;
}

type Listener = () => void;
const listeners = new Map<string, Set<Listener>>();

/** Calls `listener` whenever this process appends an event to the run; returns the unsubscribe function. */
export function onRunEvent(runId: string, listener: Listener): () => void {
  const set = listeners.get(runId) ?? new Set<Listener>();
  listeners.set(runId, set);
  set.add(listener);
  return () => {
    set.delete(listener);
    if (!set.size) listeners.delete(runId);
  };
}

export async function appendEvent(ctx: AppContext, runId: string, type: RunEventType, data: Record<string, unknown>): Promise<number> {
  const { codingAgentRuns: r, codingAgentEvents: e } = ctx.tables;
  const seq = await ctx.database.transaction(async (tx) => {
    const [row] = await tx
      .update(r)
      .set({ lastEventSeq: sql`${r.lastEventSeq} + 1` })
      .where(eq(r.id, runId))
      .returning({ seq: r.lastEventSeq });
    if (!row) throw new Error(`coding agent run ${runId} does not exist`);
    await tx.insert(e).values({ runId, seq: row.seq, type, data, createdAt: new Date() });
    return row.seq;
  });
  for (const listener of listeners.get(runId) ?? []) listener();
  return seq;
}

export async function eventsAfter(ctx: AppContext, runId: string, afterSeq: number, limit = 500): Promise<RunEvent[]> {
  const { codingAgentEvents: e } = ctx.tables;
  const rows = await ctx.db
    .select()
    .from(e)
    .where(and(eq(e.runId, runId), gt(e.seq, afterSeq)))
    .orderBy(asc(e.seq))
    .limit(limit);
  return rows.map((row) => ({ seq: row.seq, type: row.type as RunEventType, data: row.data, createdAt: row.createdAt }));
}

/** Whether the run's `end` event is at or before `seq`. */
export async function endedBy(ctx: AppContext, runId: string, seq: number): Promise<boolean> {
  const { codingAgentEvents: e } = ctx.tables;
  const [row] = await ctx.db
    .select({ seq: e.seq })
    .from(e)
    .where(and(eq(e.runId, runId), eq(e.type, "end"), lte(e.seq, seq)))
    .limit(1);
  return Boolean(row);
}
