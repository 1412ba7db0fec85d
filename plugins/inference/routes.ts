import { Elysia } from "elysia";
import { requireScopes } from "../../src/auth/keys.ts";
import type { AppContext, Principal } from "../../src/context.ts";
import { authenticateRequest } from "../../src/http/auth.ts";
import { UPSTREAM_KEY_HEADER } from "./access.ts";
import { chatCompletion, type InferenceDeps } from "./completion.ts";
import { openAiErrorResponse } from "./errors.ts";
import { modelList } from "./model.ts";
import { listModels } from "./models.ts";
import { readCappedText } from "../../src/http/capped-body.ts";

/**
 * The Inference API: OpenAI-compatible `GET /api/v1/models` and `POST /api/v1/chat/completions`. Handlers
 * authenticate and catch everything themselves, so every failure (401/403 included) leaves in OpenAI's error
 * shape via `openAiErrorResponse` instead of the product-wide `{ "error": "…" }`.
 */
async function principalOf(ctx: AppContext, request: Request): Promise<Principal> {
  const principal = await authenticateRequest(ctx, request);
  requireScopes(principal, ["inference"]);
  return principal;
}

const security = [{ bearer: ["inference"] }];

export const inferenceRoutes = (ctx: AppContext, deps: InferenceDeps) =>
  new Elysia({ name: "inference", prefix: "/api/v1" })
    .get(
      "/models",
      async ({ request }) => {
        try {
          return Response.json(listModels(ctx, deps.breakers, await principalOf(ctx, request)));
        } catch (error) {
          return openAiErrorResponse(error, ctx.log);
        }
      },
      {
        response: { 200: modelList },
        detail: { tags: ["Inference"], summary: "Models this key may call, with prices (credits per million tokens), context window and health", security },
      },
    )
    .post(
      "/chat/completions",
      async ({ request, set }) => {
        try {
          const principal = await principalOf(ctx, request);
          const result = await chatCompletion(ctx, deps, {
            principal,
            rawBody: await readCappedText(request, ctx.config.env.CRITIQUE_MAX_BODY_BYTES),
            upstreamKey: request.headers.get(UPSTREAM_KEY_HEADER) ?? undefined,
            signal: request.signal,
          });
          if (result.kind === "json") {
            // A string with the headers in `set`, not a Response: Elysia would rebuild a Response (body as a stream)
            // to merge in the request id and cache headers, which cost the hot path more than the merge is worth.
            set.headers["content-type"] = "application/json";
            set.headers["x-critique-provider"] = result.provider;
            return result.body;
          }
          return new Response(result.stream, {
            headers: { "content-type": result.contentType, "cache-control": "no-store", "x-accel-buffering": "no", "x-critique-provider": result.provider },
          });
        } catch (error) {
          return openAiErrorResponse(error, ctx.log);
        }
      },
      {
        // The body is read raw: it is validated here (OpenAI-style errors) and passed through to the upstream.
        parse: "none",
        detail: {
          tags: ["Inference"],
          summary: "OpenAI-compatible chat completion (JSON or SSE stream); `usage.cost` is the credits charged",
          description: `Send the body the OpenAI SDK sends. \`${UPSTREAM_KEY_HEADER}\` carries your own upstream key for providers that allow it (tokens recorded, not charged). The \`x-critique-provider\` response header names the upstream that answered.`,
          security,
        },
      },
    );
