import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../src/context.ts";
import { credentialInfo, deleteCredential, storeCredential } from "../../src/credentials/index.ts";
import { notFound } from "../../src/errors.ts";
import { authPlugin } from "../../src/http/auth.ts";

const error = z.object({ error: z.string() });
const tags = ["Coding agent"];
const credential = z.object({ name: z.literal("openrouter"), hint: z.string().describe("The last four characters; the key is never returned"), createdAt: z.string(), updatedAt: z.string() });

/** The caller's OpenRouter key for `billing: "openrouter"` runs: stored sealed, never echoed. */
export const credentialRoutes = (ctx: AppContext) =>
  new Elysia({ name: "coding-agent-credentials", prefix: "/api/v1/account/openrouter-key" })
    .use(authPlugin(ctx))
    .put("/", async ({ body, principal }) => ({ credential: await storeCredential(ctx, principal.userId, "openrouter", body.apiKey) }), {
      scopes: ["write:builder"],
      body: z.strictObject({ apiKey: z.string({ error: "is required (your OpenRouter API key)" }).trim().min(8, "must be an API key").max(500, "must be at most 500 characters") }),
      response: { 200: z.object({ credential }), 401: error, 403: error, 422: error },
      detail: { tags, summary: "Store (or replace) your OpenRouter key, used when a run has billing: openrouter" },
    })
    .get(
      "/",
      async ({ principal }) => {
        const info = await credentialInfo(ctx, principal.userId, "openrouter");
        if (!info) throw notFound("OpenRouter key");
        return { credential: info };
      },
      {
        scopes: ["read:builder"],
        response: { 200: z.object({ credential }), 401: error, 403: error, 404: error },
        detail: { tags, summary: "Whether you stored an OpenRouter key (its last four characters)" },
      },
    )
    .delete(
      "/",
      async ({ principal, set }) => {
        if (!(await deleteCredential(ctx, principal.userId, "openrouter"))) throw notFound("OpenRouter key");
        set.status = 204;
        return null;
      },
      { scopes: ["write:builder"], response: { 204: z.any().describe("Deleted"), 401: error, 403: error, 404: error }, detail: { tags, summary: "Forget your OpenRouter key" } },
    );
