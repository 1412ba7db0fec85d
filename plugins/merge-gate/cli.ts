import type { Command } from "commander";
import { eq } from "drizzle-orm";
import { ensureUser, findUserByName } from "../../src/auth/users.ts";
import { fail, type WithContext } from "../../src/commands.ts";
import { findInstallation, grantInstallation, revokeInstallation, setBillingUser } from "../../src/github/installations.ts";

/** `critique installations …`: which Critique users control which GitHub App installations. */
export function registerInstallationCommands(program: Command, withContext: WithContext) {
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
          const [payer] = row.billingUserId ? await ctx.db.select({ name: u.name }).from(u).where(eq(u.id, row.billingUserId)) : [];
          list.push({ id: row.id, account: row.accountLogin, suspended: Boolean(row.suspendedAt), deleted: Boolean(row.deletedAt), repositories, members, billingUser: payer?.name ?? null });
        }
        if (opts.json) return console.log(JSON.stringify(list));
        if (!list.length) return console.log("No installations known yet (they appear when GitHub sends installation events or a review is queued).");
        for (const x of list) {
          const flags = `${x.suspended ? " (suspended)" : ""}${x.deleted ? " (deleted)" : ""}`;
          console.log(`${x.id}  ${x.account}${flags}  repos: ${x.repositories.join(", ") || "—"}  members: ${x.members.join(", ") || "—"}  billing: ${x.billingUser ?? "— (automatic reviews unbilled)"}`);
        }
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

  installations
    .command("billing")
    .description("Choose who pays for the reviews GitHub events start on an installation (default: whoever installed the App)")
    .requiredOption("--installation <id>", "GitHub installation id, as `critique installations list` shows it")
    .requiredOption("--user <user>", "existing Critique user to charge")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nPaying grants no access: the user sees the installation's runs only if also a member (`critique installations grant`).\nWithout a billing user, automatic reviews run unbilled (CRITIQUE_CREDITS=track) or fail with this command as the reason (enforce).",
    )
    .action((opts: { installation: string; user: string; json?: boolean }) =>
      withContext(async (ctx) => {
        if (!/^\d+$/.test(opts.installation)) fail(`--installation: expected a numeric GitHub installation id, got "${opts.installation}"`);
        const installation = await findInstallation(ctx, opts.installation);
        if (!installation) fail(`unknown installation "${opts.installation}" (see \`critique installations list\`; installations appear when GitHub sends their events)`);
        const user = await findUserByName(ctx, opts.user);
        if (!user) fail(`unknown user "${opts.user}"`);
        const { users: u, installationMembers: m } = ctx.tables;
        const [previous] = installation.billingUserId ? await ctx.db.select({ name: u.name }).from(u).where(eq(u.id, installation.billingUserId)) : [];
        await setBillingUser(ctx, installation.id, user.id);
        const member = (await ctx.db.select({ id: m.userId }).from(m).where(eq(m.installationId, installation.id))).some((x) => x.id === user.id);
        if (!member) console.error(`Note: ${user.name} is not a member of installation ${installation.id}: they pay for its reviews but do not see them.`);
        if (opts.json) return console.log(JSON.stringify({ installation: installation.id, account: installation.accountLogin, billingUser: user.name, previousBillingUser: previous?.name ?? null }));
        console.log(`Installation ${installation.id} (${installation.accountLogin}): automatic reviews are billed to ${user.name}${previous ? ` (was ${previous.name})` : ""}.`);
      }),
    );
}
