import { asc, eq, gt, inArray } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { badge, type Fragment, html, time } from "../html.ts";
import { csrfField, type Viewer } from "../layout.ts";

/** Installations per page. */
export const INSTALLATIONS_PAGE = 20;
/** Repositories named per installation; the rest are counted. */
const REPOSITORIES_SHOWN = 50;

export interface InstallationEntry {
  id: string;
  accountLogin: string;
  accountType: string | null;
  suspendedAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
  repositories: string[];
  members: { userId: string; name: string; since: Date }[];
}

/** Read-only: a page of installations (by id) with their repositories and members, as `critique installations list` shows them. */
export async function installationPage(ctx: AppContext, cursor: string | undefined): Promise<{ installations: InstallationEntry[]; nextCursor: string | null }> {
  const { githubInstallations: i, githubRepositories: r, installationMembers: m, users: u } = ctx.tables;
  const rows = await ctx.db
    .select()
    .from(i)
    .where(cursor ? gt(i.id, cursor) : undefined)
    .orderBy(asc(i.id))
    .limit(INSTALLATIONS_PAGE + 1);
  const page = rows.slice(0, INSTALLATIONS_PAGE);
  const ids = page.map((row) => row.id);
  const [repositories, members] = ids.length
    ? await Promise.all([
        ctx.db.select({ installationId: r.installationId, fullName: r.fullName }).from(r).where(inArray(r.installationId, ids)).orderBy(asc(r.key)),
        ctx.db.select({ installationId: m.installationId, userId: m.userId, name: u.name, since: m.createdAt }).from(m).innerJoin(u, eq(u.id, m.userId)).where(inArray(m.installationId, ids)).orderBy(asc(u.name)),
      ])
    : [[], []];
  return {
    installations: page.map((row) => ({
      ...row,
      repositories: repositories.filter((x) => x.installationId === row.id).map((x) => x.fullName),
      members: members.filter((x) => x.installationId === row.id).map(({ userId, name, since }) => ({ userId, name, since })),
    })),
    nextCursor: rows.length > INSTALLATIONS_PAGE ? (page.at(-1)?.id ?? null) : null,
  };
}

export const installAppHelp = html`<div class="empty"><p>No GitHub App installations are known yet.</p>
<p>Critique judges pull requests through a GitHub App you create (GitHub.com or GitHub Enterprise Server): create a GitHub App, then set
<code>CRITIQUE_GITHUB_APP_ID</code>, <code>CRITIQUE_GITHUB_PRIVATE_KEY</code> (PEM text or a file path) and <code>CRITIQUE_GITHUB_WEBHOOK_SECRET</code>
(and <code>CRITIQUE_GITHUB_API_URL</code> for GHES). Give it read access to contents and pull requests, write access to checks, commit statuses and
pull requests, subscribe it to the <code>pull_request</code>, <code>installation</code> and <code>installation_repositories</code> events delivered to
<code>POST /api/github/webhooks</code>, and install it on your repositories. Installations appear here when GitHub sends their events or a review is queued;
see the merge gate section of the README.</p></div>`;

function membersPart(entry: InstallationEntry, viewer: Viewer): Fragment {
  const rows = entry.members.map(
    (member) => html`<li>${member.name} <span class="muted">since ${time(member.since)}</span>
<form method="post" action="/dashboard/installations/${entry.id}/members/${member.userId}/revoke" class="inline" data-confirm="Revoke this user's access to the installation?">${csrfField(viewer)}<button type="submit" aria-label="Revoke ${member.name} from installation ${entry.id}">Revoke</button></form></li>`,
  );
  return html`<h3>Members (${entry.members.length})</h3>
${rows.length ? html`<ul>${rows}</ul>` : html`<p class="muted">Nobody controls this installation yet: grant a user below so they can queue and read its reviews.</p>`}
<form method="post" action="/dashboard/installations/${entry.id}/members" class="filters">${csrfField(viewer)}
<label>User name <input name="name" required maxlength="200" autocomplete="off"></label>
<button type="submit" aria-label="Grant the user access to installation ${entry.id}">Grant access</button></form>`;
}

export function installationCard(entry: InstallationEntry, viewer: Viewer): Fragment {
  const shown = entry.repositories.slice(0, REPOSITORIES_SHOWN);
  const rest = entry.repositories.length - shown.length;
  return html`<section class="card" aria-labelledby="installation-${entry.id}">
<h2 id="installation-${entry.id}">${entry.accountLogin} <span class="muted">installation ${entry.id}</span>
${entry.deletedAt ? badge("deleted", "failed") : entry.suspendedAt ? badge("suspended", "warn") : badge("active")}</h2>
<dl class="facts"><dt>Account type</dt><dd>${entry.accountType ?? "—"}</dd><dt>Known since</dt><dd>${time(entry.createdAt)}</dd></dl>
<h3>Repositories (${entry.repositories.length})</h3>
${shown.length ? html`<ul>${shown.map((name) => html`<li><code>${name}</code></li>`)}</ul>${rest > 0 ? html`<p class="muted">and ${rest} more</p>` : ""}` : html`<p class="muted">None known yet (they are recorded from installation events and queued reviews).</p>`}
${membersPart(entry, viewer)}
</section>`;
}
