import type { ModelConfig } from "../../src/config/index.ts";
import type { AppContext, Principal } from "../../src/context.ts";
import { creditsMode, toCredits } from "../../src/credits/index.ts";
import type { CreditPools, Hold } from "./credit-pool.ts";
import type { ChatCompletionRequest, UpstreamUsage } from "./model.ts";
import type { AssistantMessage } from "./produced.ts";
import { retainSample } from "./training.ts";
import type { UsageLog } from "./usage-log.ts";

/**
 * Credits for one completion: hold the worst case before the call, settle to the real usage after it (or release
 * everything when nothing was produced), and record the exchange. Amounts are micro-credits. Holds come from
 * credit-pool.ts, usage rows go through usage-log.ts.
 */
export interface Books {
  pools: CreditPools;
  usage: UsageLog;
}

export interface Exchange {
  id: string;
  principal: Principal;
  model: ModelConfig;
  request: ChatCompletionRequest;
  stream: boolean;
  byok: boolean;
  trainingOptIn: boolean;
  /** Prompt tokens as counted here (used when the upstream reports none). */
  localPromptTokens: number;
  hold: Hold | null;
  provider?: string;
}

/** Holds the worst case; nothing is held for BYOK calls or free models. Throws 402 in enforce mode. */
export async function reserveWorstCase(ctx: AppContext, books: Books, exchange: Exchange, maxOutputTokens: number): Promise<void> {
  if (exchange.byok) return;
  const worst = ctx.models.costMicro(exchange.model.id, { promptTokens: exchange.localPromptTokens, completionTokens: maxOutputTokens }, { trainingOptIn: exchange.trainingOptIn });
  if (worst === 0) return;
  exchange.hold = await books.pools.hold(exchange.principal.userId, worst);
}

export interface Charge {
  promptTokens: number;
  completionTokens: number;
  costMicro: number;
  estimated: boolean;
  /** Enforce mode charged the call's hold, not the (higher) cost of the tokens it reported: see `chargeFor`. */
  capped: boolean;
  /** The usage object the client sees: the upstream's fields plus `cost` in credits. */
  usage: Record<string, unknown>;
}

/** Whether the upstream's usage has both counts; if not, `chargeFor` estimates (counted first: counting is async). */
export function reportsUsage(upstream: UpstreamUsage | null): upstream is UpstreamUsage {
  return typeof upstream?.prompt_tokens === "number" && typeof upstream.completion_tokens === "number";
}

/**
 * The charge for an exchange from the upstream's usage, or from local counts (`estimated`) when it sent none.
 * In enforce mode a call is never charged more than it holds (its worst case at our prompt count and max tokens),
 * so a balance never goes below zero: an upstream that reports more (another tokenizer, an ignored max_tokens) is
 * charged the hold, and its usage row keeps the real tokens and says `cost_capped`. Track mode charges it all.
 */
export function chargeFor(ctx: AppContext, exchange: Exchange, upstream: UpstreamUsage | null, estimateCompletion: () => number): Charge {
  const estimated = !reportsUsage(upstream);
  const promptTokens = estimated ? exchange.localPromptTokens : upstream.prompt_tokens;
  const completionTokens = estimated ? estimateCompletion() : upstream.completion_tokens;
  const cost = exchange.byok ? 0 : ctx.models.costMicro(exchange.model.id, { promptTokens, completionTokens }, { trainingOptIn: exchange.trainingOptIn });
  const limit = creditsMode(ctx) === "enforce" ? (exchange.hold?.amount ?? 0) : cost;
  const costMicro = Math.min(cost, limit);
  const capped = costMicro < cost;
  if (capped) {
    ctx.log.warn({ exchange: exchange.id, model: exchange.model.id, promptTokens, completionTokens, held: toCredits(limit), cost: toCredits(cost) }, "inference: the upstream reported more than the call's worst case; charged its hold");
  }
  const base = estimated ? { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } : upstream;
  const usage: Record<string, unknown> = { ...base, cost: toCredits(costMicro) };
  if (estimated) usage.estimated = true;
  if (capped) usage.cost_capped = true;
  if (exchange.byok) usage.is_byok = true;
  return { promptTokens, completionTokens, costMicro, estimated, capped, usage };
}

export type ExchangeStatus = "completed" | "cancelled" | "failed";

/**
 * After the answer: settle the reservation to the real cost and queue the usage row (both in memory, at once),
 * then retain the sample if the key opted in: only that returns a promise (a database write).
 */
export function closeExchange(ctx: AppContext, books: Books, exchange: Exchange, charge: Charge, status: ExchangeStatus, messages: () => AssistantMessage[]): Promise<void> | undefined {
  try {
    // The row first: a block's settlement waits for its calls' rows (usage-log.ts `written`).
    books.usage.add({
      id: exchange.id,
      userId: exchange.principal.userId,
      keyId: exchange.principal.keyId,
      model: exchange.model.id,
      provider: exchange.provider ?? "",
      promptTokens: charge.promptTokens,
      completionTokens: charge.completionTokens,
      cost: charge.costMicro,
      estimated: charge.estimated,
      costCapped: charge.capped,
      byok: exchange.byok,
      trainingOptIn: exchange.trainingOptIn,
      stream: exchange.stream,
      status,
      reservationId: exchange.hold?.lease.reservationId ?? null,
      createdAt: new Date(),
    });
    if (exchange.hold) books.pools.finish(exchange.hold, charge.costMicro);
    if (exchange.trainingOptIn && status === "completed") return retainSample(ctx, exchange, messages()).catch((error) => logCloseFailure(ctx, exchange, error));
  } catch (error) {
    logCloseFailure(ctx, exchange, error);
  }
  return undefined;
}

function logCloseFailure(ctx: AppContext, exchange: Exchange, error: unknown): void {
  ctx.log.error({ err: error, exchange: exchange.id }, "inference: could not settle or record a completion");
}

/** Nothing was produced (every upstream failed, or the client left first): all held credits go back. */
export function abandonExchange(books: Books, exchange: Exchange): void {
  if (exchange.hold) books.pools.finish(exchange.hold, 0);
  exchange.hold = null;
}
