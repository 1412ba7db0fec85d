import type { Command } from "commander";
import { eq } from "drizzle-orm";
import { ensureUser, findUserByName } from "../../src/auth/users.ts";
import { fail, withContext } from "../../src/cli/run.ts";
import { grantInstallation, revokeInstallation } from "./installations.ts";

/** `critique installations …`: which Critique users control which GitHub App installations. */
export function registerInstallationCommands(program: Command) {
  const installations = program.command("installations").description("GitHub App installations and who may review their repositories");

  installations
    .command("list")
    .description("Known installations with their repositories and members")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { githubInstallations: i, githubRepositories: r, installationMembers: m, users: u } = ctx.tables;
        const rows = await ctx.db.select().from(i);
        const list = [];
        for (const row of rows) {
          const repositories = (await ctx.db.select({ fullName: r.fullName }).from(r).where(eq(r.installationId, row.id))).map((x) => x.fullName);
          const members = (await ctx.db.select({ name: u.name }).from(m).innerJoin(u, eq(u.id, m.userId)).where(eq(m.installationId, row.id))).map((x) => x.name);
          list.push({ id: row.id, account: row.accountLogin, suspended: Boolean(row.suspendedAt), deleted: Boolean(row.deletedAt), repositories, members });
        }
        if (opts.json) return console.log(JSON.stringify(list));
        if (!list.length) return console.log("No installations known yet (they appear when GitHub sends installation events or a review is queued).");
        for (const x of list) console.log(`${x.id}  ${x.account}${x.suspended ? " (suspended)" : ""}${x.deleted ? " (deleted)" : ""}  repos: ${x.repositories.join(", ") || "—"}  members: ${x.members.join(", ") || "—"}`);
      }),
    );

  installations
    .command("grant")
    .description("Let a user queue and read reviews for the installation's repositories")
    .requiredOption("--installation <id>", "GitHub installation id")
    .requiredOption("--user <user>", "Critique user (created if new)")
    .action((opts: { installation: string; user: string }) =>
      withContext(async (ctx) => {
        if (!/^\d+$/.test(opts.installation)) fail(`--installation: expected a numeric GitHub installation id, got "${opts.installation}"`);
        const user = await ensureUser(ctx, opts.user);
        await grantInstallation(ctx, opts.installation, user.id);
        console.log(`Granted ${user.name} access to installation ${opts.installation}.`);
      }),
    );

  installations
    .command("revoke")
    .description("Remove a user's access to an installation")
    .requiredOption("--installation <id>", "GitHub installation id")
    .requiredOption("--user <user>", "Critique user")
    .action((opts: { installation: string; user: string }) =>
      withContext(async (ctx) => {
        const user = await findUserByName(ctx, opts.user);
        if (!user) fail(`no user named "${opts.user}"`);
        await revokeInstallation(ctx, opts.installation, user.id);
        console.log(`Revoked ${user.name}'s access to installation ${opts.installation}.`);
      }),
    );
}
