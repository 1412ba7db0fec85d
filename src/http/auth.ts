import { Elysia } from "elysia";
import { authenticate, requireScopes } from "../auth/keys.ts";
import type { Scope } from "../auth/scopes.ts";
import { sessionPrincipal } from "../auth/sessions.ts";
import { readJsonBody } from "./json-body.ts";
import type { AppContext, Principal } from "../context.ts";

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * The principal of a request's `Authorization: Bearer crt_…` header, or of its dashboard session cookie (AppError
 * 401 otherwise). Read from `request`,
 * not Elysia's parsed `headers`: the compiled binary's route compiler does not always see that a hook needs them.
 */
export async function authenticateRequest(ctx: AppContext, request: Request): Promise<Principal> {
  const header = request.headers.get("authorization");
  // A browser signed in to the dashboard: its session cookie stands in for a key (bearer keys always win).
  if (!header) {
    const session = await sessionPrincipal(ctx, request);
    if (session) return session;
  }
  return authenticate(ctx, bearer(header ?? undefined));
}

/** One authentication per request, however many hooks ask for it. */
const principals = new WeakMap<Request, Promise<Principal>>();

/**
 * Authentication as one macro: a route declares `{ scopes: [...] }` and receives `principal`.
 * 401 for a missing/invalid/revoked/expired key, 403 naming the scope a valid key lacks.
 *
 * It runs before validation: in the `parse` stage for requests with a body and in `transform` otherwise, so a
 * caller without a valid key learns nothing about the route's schema (401, never 422). `resolve` (after
 * validation) only hands the cached principal to the handler.
 */
export const authPlugin = (ctx: AppContext) =>
  new Elysia({ name: "auth" }).macro({
    scopes: (required: Scope[]) => {
      const check = (request: Request) => {
        let principal = principals.get(request);
        if (!principal) {
          principal = authenticateRequest(ctx, request).then((p) => {
            requireScopes(p, required);
            return p;
          });
          principals.set(request, principal);
        }
        return principal;
      };
      return {
        // Documents the route as bearer-protected, listing the scopes it needs (src/http/openapi-document.ts).
        detail: { security: [{ bearer: required }] },
        // Errors thrown while parsing become Elysia parse errors (400), so a failed check here only skips the
        // body (returns a placeholder) and `transform` raises the 401/403. A body refused for its size or depth
        // is unwrapped by the error handler (413/400). Returning nothing lets the default body parsers run.
        async parse({ request, contentType }) {
          try {
            await check(request);
          } catch {
            return {};
          }
          // JSON bodies are bounded in bytes and depth before the framework parses and validates them (its
          // validation error printed a 40 KB `[[[…]]]` whole: 2.5 s, 1.9 GB). Raw-body routes cap their own.
          if (contentType?.toLowerCase().startsWith("application/json")) return readJsonBody(request, ctx.config.env.CRITIQUE_MAX_BODY_BYTES);
        },
        async transform({ request }) {
          await check(request);
        },
        async resolve({ request }) {
          return { principal: await check(request) };
        },
      };
    },
  });
