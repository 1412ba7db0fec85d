import { Elysia } from "elysia";
import { authenticate, requireScopes } from "../auth/keys.ts";
import type { Scope } from "../auth/scopes.ts";
import type { AppContext } from "../context.ts";

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Authentication as one macro: a route declares `{ scopes: [...] }` and receives `principal`.
 * 401 for a missing/invalid/revoked/expired key, 403 naming the scope a valid key lacks.
 */
export const authPlugin = (ctx: AppContext) =>
  new Elysia({ name: "auth" }).macro({
    scopes: (required: Scope[]) => ({
      // Documents the route as bearer-protected, listing the scopes it needs (src/http/openapi-document.ts).
      detail: { security: [{ bearer: required }] },
      // Read from `request`, not Elysia's parsed `headers`: the compiled binary's route compiler does not
      // always see that a macro needs headers parsed.
      async resolve({ request }) {
        const principal = await authenticate(ctx, bearer(request.headers.get("authorization") ?? undefined));
        requireScopes(principal, required);
        return { principal };
      },
    }),
  });

export { bearer };
