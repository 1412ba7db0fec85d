import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { authPlugin } from "../http/auth.ts";

const meResponse = z.object({
  user: z.object({ id: z.string(), name: z.string() }),
  key: z.object({ id: z.string(), scopes: z.array(z.string()) }),
});

/** Who am I: the cheapest authenticated route, for clients checking a key and for operators' smoke tests. */
export const accountRoutes = (ctx: AppContext) =>
  new Elysia({ name: "account", prefix: "/api/v1" }).use(authPlugin(ctx)).get(
    "/me",
    ({ principal }) => ({ user: { id: principal.userId, name: principal.userName }, key: { id: principal.keyId, scopes: principal.scopes } }),
    { scopes: [], response: { 200: meResponse }, detail: { tags: ["Account"], summary: "The user and scopes of the calling key", security: [{ bearer: [] }] } },
  );
