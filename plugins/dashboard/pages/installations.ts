import { eq } from "drizzle-orm";
import { Elysia } from "elysia";
import { findUserByName } from "../../../src/auth/users.ts";
import type { AppContext } from "../../../src/context.ts";
import { AppError, notFound } from "../../../src/errors.ts";
import { grantInstallation, revokeInstallation } from "../../../src/github/installations.ts";
import { html, nextPage } from "../html.ts";
import { layout, type Viewer } from "../layout.ts";
import { dashboardPage, HIDDEN, htmlResponse, redirect } from "../page.ts";
import { installAppHelp, installationCard, installationPage } from "./installation-list.ts";

const CURRENT = "/dashboard/installations";

function requireAdmin(viewer: Viewer) {
  if (!viewer.isAdmin) throw new AppError("FORBIDDEN", "Installations and their members are managed by dashboard admins only.");
}

async function knownInstallation(ctx: AppContext, id: string) {
  const t = ctx.tables.githubInstallations;
  const [row] = await ctx.db.select({ id: t.id }).from(t).where(eq(t.id, id));
  if (!row) throw notFound(`Installation ${id}`);
  return row.id;
}

async function listPage(ctx: AppContext, viewer: Viewer, cursor: string | undefined, message?: { text: string; problem: boolean }) {
  const page = await installationPage(ctx, cursor?.slice(0, 100));
  const body = html`
<p>GitHub App installations and the Critique users who control them: members queue and read the reviews and passports of the installation's
repositories (the same as <code>critique installations grant|revoke</code>).</p>
${message ? html`<p ${message.problem ? html`class="error" role="alert"` : html`role="status"`}>${message.text}</p>` : ""}
${page.installations.length === 0 && !cursor ? installAppHelp : page.installations.map((entry) => installationCard(entry, viewer))}
${nextPage(CURRENT, {}, page.nextCursor)}`;
  return layout({ title: "Installations", viewer, current: CURRENT, body });
}

const NOTICES: Record<string, string> = { granted: "Access granted.", revoked: "Access revoked." };

/** Admins only: installations with their repositories and members; grant (by user name) and revoke. */
export const installationPages = (ctx: AppContext) =>
  new Elysia({ name: "dashboard-installations" })
    .get(
      CURRENT,
      dashboardPage(ctx, async ({ viewer, query }) => {
        requireAdmin(viewer);
        const notice = query.done ? NOTICES[query.done] : undefined;
        return listPage(ctx, viewer, query.cursor, notice ? { text: notice, problem: false } : undefined);
      }),
      HIDDEN,
    )
    .post(
      `${CURRENT}/:id/members`,
      dashboardPage(ctx, async ({ viewer, params, body }) => {
        requireAdmin(viewer);
        const installationId = await knownInstallation(ctx, params.id);
        const name = typeof body.name === "string" ? body.name.trim() : "";
        const user = name && name.length <= 200 ? await findUserByName(ctx, name) : undefined;
        if (!user) {
          const text = name ? `No user named "${name}": create the user first (critique users create --name …, or critique keys create --user …).` : "name: enter the user's name.";
          return htmlResponse(await listPage(ctx, viewer, undefined, { text, problem: true }), 422);
        }
        await grantInstallation(ctx, installationId, user.id);
        ctx.log.info({ admin: viewer.name, user: user.name, installationId }, "installation access granted from the dashboard");
        return redirect(`${CURRENT}?done=granted#installation-${encodeURIComponent(installationId)}`);
      }),
      HIDDEN,
    )
    .post(
      `${CURRENT}/:id/members/:userId/revoke`,
      dashboardPage(ctx, async ({ viewer, params }) => {
        requireAdmin(viewer);
        const installationId = await knownInstallation(ctx, params.id);
        await revokeInstallation(ctx, installationId, params.userId);
        ctx.log.info({ admin: viewer.name, userId: params.userId, installationId }, "installation access revoked from the dashboard");
        return redirect(`${CURRENT}?done=revoked#installation-${encodeURIComponent(installationId)}`);
      }),
      HIDDEN,
    );
