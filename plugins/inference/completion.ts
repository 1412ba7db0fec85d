import type { InferenceConfig } from "../../src/config/file.ts";
import type { AppContext, Principal } from "../../src/context.ts";
import { newId } from "../../src/ids.ts";
import type { Breakers } from "./breaker.ts";
import type { KeepAliveTicker } from "./keep-alive.ts";
import { InferenceError, UpstreamError } from "./errors.ts";
import { abandonExchange, type Books, type Charge, chargeFor, closeExchange, type Exchange, reportsUsage, reserveWorstCase } from "./metering.ts";
import { type ChatCompletionRequest, chatCompletionRequest, plainlyValid, type UpstreamUsage } from "./model.ts";
import { messagesFromChunks, messagesFromCompletion, producedOf } from "./produced.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { relay } from "./stream.ts";
import { countCompletionTokens, countedBeforeDone, countPromptTokens, type Produced } from "./tokens.ts";
import { callUpstream, type UpstreamAnswer } from "./upstream.ts";
import { chooseTargets, permitModel, upstreamKeyOf } from "./access.ts";
import { exceedsDepth, MAX_JSON_DEPTH } from "../../src/http/json-body.ts";

/** What the Inference API's services share for the life of the process. */
export interface InferenceDeps {
  breakers: Breakers;
  limiter: RateLimiter;
  settings: InferenceConfig;
  books: Books;
  /** Settlements still being written after their answer went out; awaited at shutdown. */
  settling: Set<Promise<void>>;
  /** Sends keep-alive comments on open streams. */
  keepAlive: KeepAliveTicker;
}

/** Closes an exchange (its hold, usage row, training sample) without holding up the answer; shutdown waits for it. */
function closeInBackground(deps: InferenceDeps, closing: Promise<void> | undefined): void {
  if (!closing) return;
  deps.settling.add(closing);
  void closing.finally(() => deps.settling.delete(closing));
}

export interface CompletionInput {
  principal: Principal;
  /** The request body exactly as received. */
  rawBody: string;
  /** The caller's own upstream key (BYOK), if it sent one. */
  upstreamKey?: string;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

export type CompletionResult =
  | { kind: "json"; provider: string; body: string }
  | { kind: "stream"; provider: string; contentType: string; stream: ReadableStream<Uint8Array> };

/** One chat completion: checks, worst-case reservation, upstream with fallback, then exact settlement. */
export async function chatCompletion(ctx: AppContext, deps: InferenceDeps, input: CompletionInput): Promise<CompletionResult> {
  const request = parseRequest(input.rawBody);
  const model = await permitModel(ctx, deps, input.principal, request.model);
  const upstreamKey = await upstreamKeyOf(ctx, input.principal, input.upstreamKey);
  const { targets, byok } = chooseTargets(ctx, model, upstreamKey);
  const stream = request.stream === true;
  const exchange: Exchange = {
    id: newId(),
    principal: input.principal,
    model,
    request,
    stream,
    byok,
    trainingOptIn: input.principal.inference?.trainingOptIn === true,
    localPromptTokens: await countPromptTokens(ctx, request, deps.settings.imageTokens),
    hold: null,
  };
  const maxOutput = Math.min(request.max_completion_tokens ?? request.max_tokens ?? model.maxOutputTokens, model.maxOutputTokens) * (request.n ?? 1);
  await reserveWorstCase(ctx, deps.books, exchange, maxOutput);

  let answer: UpstreamAnswer;
  try {
    answer = await callUpstream(deps.breakers, { targets, body: request, stream, upstreamKey: byok ? upstreamKey : undefined, signal: input.signal });
  } catch (error) {
    abandonExchange(deps.books, exchange);
    throw error;
  }
  exchange.provider = answer.target.provider.id;
  if (answer.kind === "json") return finishJson(ctx, deps, exchange, answer.text);

  let charge: Charge | undefined;
  // relay asks for the final usage synchronously: an estimate is counted before its [DONE] (countedBeforeDone).
  let estimate: number | undefined;
  const clientWantsUsage = request.stream_options?.include_usage === true;
  const counting = async (payloads: string[]) => {
    estimate = await countCompletionTokens(ctx, producedOf(messagesFromChunks(payloads)));
  };
  const body = relay(clientWantsUsage ? countedBeforeDone(answer.body, counting) : answer.body, {
    clientWantsUsage,
    ticker: deps.keepAlive,
    release: answer.release,
    finalUsage: (usage) => {
      charge = chargeFor(ctx, exchange, usage, () => estimate ?? 0);
      return charge.usage;
    },
    onEnd: (end, usage, payloads) => {
      const closing = async () => {
        const final = charge ?? (await chargeOf(ctx, exchange, usage, () => producedOf(messagesFromChunks(payloads))));
        await closeExchange(ctx, deps.books, exchange, final, end, () => messagesFromChunks(payloads));
      };
      closeInBackground(deps, closing().catch((error) => ctx.log.error({ exchange: exchange.id, error }, "inference: closing a stream failed")));
    },
  });
  return { kind: "stream", provider: exchange.provider, contentType: answer.contentType, stream: body };
}

/** The charge, with the completion counted first when the upstream reported no usage. */
async function chargeOf(ctx: AppContext, exchange: Exchange, usage: UpstreamUsage | null, produced: () => Produced[]): Promise<Charge> {
  const estimate = reportsUsage(usage) ? 0 : await countCompletionTokens(ctx, produced());
  return chargeFor(ctx, exchange, usage, () => estimate);
}

async function finishJson(ctx: AppContext, deps: InferenceDeps, exchange: Exchange, text: string): Promise<CompletionResult> {
  let json: { usage?: UpstreamUsage | null; choices?: [] };
  try {
    json = JSON.parse(text);
  } catch {
    abandonExchange(deps.books, exchange);
    throw new UpstreamError(502, { message: `Upstream ${exchange.provider} answered with something that is not JSON`, type: "api_error", param: null, code: "upstream_invalid_response" });
  }
  const messages = () => messagesFromCompletion(json);
  const charge = await chargeOf(ctx, exchange, json.usage ?? null, () => producedOf(messages()));
  json.usage = charge.usage as unknown as UpstreamUsage;
  closeInBackground(deps, closeExchange(ctx, deps.books, exchange, charge, "completed", messages));
  return { kind: "json", provider: exchange.provider!, body: JSON.stringify(json) };
}

function parseRequest(rawBody: string): ChatCompletionRequest {
  if (exceedsDepth(rawBody)) throw new InferenceError("BAD_REQUEST", `The JSON body of your request nests deeper than ${MAX_JSON_DEPTH} levels`);
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new InferenceError("BAD_REQUEST", "We could not parse the JSON body of your request: send valid JSON with Content-Type: application/json");
  }
  if (plainlyValid(json)) return json;
  const parsed = chatCompletionRequest.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue.path.join(".") || null;
  throw new InferenceError("VALIDATION", param ? `${param}: ${issue.message}` : issue.message, { param });
}
