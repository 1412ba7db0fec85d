import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../src/context.ts";
import { AppError } from "../../src/errors.ts";
import { authPlugin } from "../../src/http/auth.ts";
import { cancelRun, sendFollowUp } from "./control.ts";
import { createRunBody, followUpBody, listRunsQuery, modelsResponse, runObject, runParams } from "./model.ts";
import { createRun } from "./runs.ts";
import type { CodingAgentServices } from "./services.ts";
import { ownRun } from "./store.ts";
import { runEventStream } from "./stream.ts";
import { listModels } from "./models.ts";
import { listRuns, runView } from "./views.ts";

const error = z.object({ error: z.string() });
const tags = ["Coding agent"];
const read: ["read:builder"] = ["read:builder"];
const write: ["write:builder"] = ["write:builder"];
const runResponse = z.object({ run: runObject });

/** `Last-Event-ID` (or `?lastEventId=`): the sequence number to replay after; 0 replays the whole run. */
function lastEventId(request: Request): number {
  const raw = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId") ?? "0";
  if (!/^\d{1,15}$/.test(raw.trim())) throw new AppError("BAD_REQUEST", "Last-Event-ID: must be the id of an event this stream sent (a whole number)");
  return Number(raw);
}

function idempotencyKey(request: Request): string | undefined {
  const key = request.headers.get("idempotency-key")?.trim();
  if (key === undefined || key === "") return undefined;
  if (key.length > 200) throw new AppError("BAD_REQUEST", "Idempotency-Key: at most 200 characters");
  return key;
}

/** REST for the Coding Agent API. Services do the work; this maps HTTP (scopes read:builder / write:builder). */
export const codingAgentRoutes = (ctx: AppContext, services: CodingAgentServices) =>
  new Elysia({ name: "coding-agent", prefix: "/api/v1/coding-agent" })
    .use(authPlugin(ctx))
    .post(
      "/runs",
      async ({ body, principal, request, set }) => {
        const { run, created } = await createRun({ ...ctx, principal }, services, body, idempotencyKey(request));
        set.status = 202;
        if (!created) set.headers["idempotent-replayed"] = "true";
        return { run: await runView(ctx, run) };
      },
      {
        scopes: write,
        body: createRunBody,
        response: { 202: runResponse, 400: error, 401: error, 402: error, 403: error, 404: error, 422: error, 503: error },
        detail: {
          tags,
          summary: "Start a coding-agent run: prompt in, patch (and optionally a branch and draft PR) out",
          description:
            "The run works in a fresh sandbox on the repository at `ref` (or an empty workspace), then stays warm (IDLE) for follow-ups until the idle TTL. Send `Idempotency-Key` to make retries safe: the same key returns the first run.",
        },
      },
    )
    .get("/runs", ({ query, principal }) => listRuns({ ...ctx, principal }, query), {
      scopes: read,
      query: listRunsQuery,
      response: { 200: z.object({ runs: z.array(runObject), nextCursor: z.string().nullable() }), 401: error, 403: error, 422: error },
      detail: { tags, summary: "Your runs, newest first (cursor-paginated)" },
    })
    .get("/runs/:id", async ({ params, principal }) => ({ run: await runView(ctx, await ownRun({ ...ctx, principal }, params.id)) }), {
      scopes: read,
      params: runParams,
      response: { 200: runResponse, 401: error, 403: error, 404: error },
      detail: { tags, summary: "A run: status, turns, summary, diffstat, patch URL, branch, pull request, credits used" },
    })
    .get(
      "/runs/:id/stream",
      async ({ params, principal, request }) => {
        await ownRun({ ...ctx, principal }, params.id);
        const stream = runEventStream(ctx, params.id, lastEventId(request), request.signal);
        return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } });
      },
      {
        scopes: read,
        params: runParams,
        response: { 200: z.string().describe("text/event-stream"), 400: error, 401: error, 403: error, 404: error },
        detail: {
          tags,
          summary: "The run's events as Server-Sent Events, replayed from the start (or after Last-Event-ID), until `end`",
          description: "Events: status, turn.started, assistant.text, tool.call, tool.result, command.output, patch, pull_request, error, turn.completed, end. `id` increases by one per event; reconnect with Last-Event-ID to any server process.",
        },
      },
    )
    .post(
      "/runs/:id/messages",
      async ({ params, body, principal, set }) => {
        const run = await sendFollowUp({ ...ctx, principal }, params.id, body.prompt);
        set.status = 202;
        return { run: await runView(ctx, run) };
      },
      {
        scopes: write,
        params: runParams,
        body: followUpBody,
        response: { 202: runResponse, 400: error, 401: error, 403: error, 404: error, 409: error, 422: error },
        detail: { tags, summary: "A follow-up prompt on the same run and the same warm sandbox (409 unless the run is IDLE)" },
      },
    )
    .post(
      "/runs/:id/cancel",
      async ({ params, principal }) => ({ run: await runView(ctx, await cancelRun({ ...ctx, principal }, services, params.id)) }),
      {
        scopes: write,
        params: runParams,
        response: { 200: runResponse, 400: error, 401: error, 403: error, 404: error, 409: error },
        detail: { tags, summary: "Cancel a run (the turn in progress stops; the patch so far is kept)" },
      },
    )
    .get(
      "/runs/:id/patch",
      async ({ params, principal }) => {
        const run = await ownRun({ ...ctx, principal }, params.id);
        if (run.patch === null) throw new AppError("NOT_FOUND", `Run ${params.id} has no patch yet (its first turn has not finished)`);
        return new Response(run.patch, { headers: { "content-type": "text/x-diff; charset=utf-8", "cache-control": "no-store", "content-disposition": `attachment; filename="${run.id}.diff"` } });
      },
      {
        scopes: read,
        params: runParams,
        response: { 200: z.string().describe("text/x-diff: unified diff against baseSha"), 401: error, 403: error, 404: error },
        detail: { tags, summary: "The run's patch: a unified diff against the base SHA (git apply / git am ready)" },
      },
    )
    .get("/models", () => listModels(ctx, services), {
      scopes: read,
      response: { 200: modelsResponse, 401: error, 403: error },
      detail: { tags, summary: "Models runs may use (with prices), the sandbox provider and whether it is usable" },
    });
