import { Elysia } from "elysia";
import { hasDashboardUsers } from "../../src/auth/passwords.ts";
import type { AppContext } from "../../src/context.ts";
import { CSS } from "./assets/styles.ts";
import { JS } from "./assets/script.ts";
import { githubSignInRoutes } from "./github-sign-in.ts";
import { redirect } from "./page.ts";
import { installationPages } from "./pages/installations.ts";
import { passportPages } from "./pages/passports.ts";
import { agentRunPages } from "./pages/agent-runs.ts";
import { creditPages } from "./pages/credits.ts";
import { keyPages } from "./pages/keys.ts";
import { reviewRunPages } from "./pages/review-runs.ts";
import { webhookPages } from "./pages/webhooks.ts";
import { signInRoutes } from "./sign-in.ts";

const asset = (body: string, type: string) => () => new Response(body, { headers: { "content-type": type, "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" } });

/**
 * The web dashboard, served from the binary: server-rendered pages (no framework in the browser, one small
 * script and one stylesheet, nothing from another origin), signed in with a session cookie.
 */
export function dashboard(ctx: AppContext) {
  void hasDashboardUsers(ctx)
    .then((has) => {
      if (!has) ctx.log.warn("no dashboard user yet: create the first admin with `printf '%s' \"$PASSWORD\" | critique users create --name admin --admin --password-stdin`");
    })
    .catch(() => undefined);
  const assets = new Elysia({ name: "dashboard-assets" })
    .get("/dashboard/assets/app.css", asset(CSS, "text/css; charset=utf-8"), { detail: { hide: true } })
    .get("/dashboard/assets/app.js", asset(JS, "text/javascript; charset=utf-8"), { detail: { hide: true } })
    .get("/dashboard", () => redirect("/dashboard/review-runs"), { detail: { hide: true } });
  return [assets, signInRoutes(ctx), githubSignInRoutes(ctx), reviewRunPages(ctx), passportPages(ctx), webhookPages(ctx), installationPages(ctx), keyPages(ctx), creditPages(ctx), agentRunPages(ctx)];
}
