import type { Command } from "commander";
import { desc } from "drizzle-orm";
import { MIN_PASSWORD_LENGTH, setPassword } from "../auth/passwords.ts";
import { revokeUserSessions } from "../auth/sessions.ts";
import { findUserByName } from "../auth/users.ts";
import { fail } from "../commands.ts";
import { withContext } from "./run.ts";

/** The password from stdin (one line; its newline is not part of it). Never from an argument: shells keep those. */
async function passwordFromStdin(flag: boolean | undefined): Promise<string> {
  if (!flag) fail("pass the password on stdin with --password-stdin (e.g. `printf '%s' \"$PW\" | critique users create …`)");
  const text = (await Bun.stdin.text()).replace(/\r?\n$/, "");
  if (text.length < MIN_PASSWORD_LENGTH) fail(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return text;
}

export function registerUserCommands(program: Command) {
  const users = program.command("users").description("Dashboard users: create them, reset passwords, list them");

  users
    .command("create")
    .description("Create a user who can sign in to the dashboard (or give an existing API-key user a password)")
    .requiredOption("--name <name>", "the user name (sign-in name; keys made with --user <name> act as this user)")
    .option("--password-stdin", "read the password from stdin")
    .option("--admin", "a dashboard admin (installations, members)")
    .action((opts: { name: string; passwordStdin?: boolean; admin?: boolean }) =>
      withContext(async (ctx) => {
        const existing = await findUserByName(ctx, opts.name);
        if (existing?.passwordHash) fail(`user ${opts.name} already has a password: use \`critique users reset-password --name ${opts.name} --password-stdin\``);
        const user = await setPassword(ctx, { name: opts.name, password: await passwordFromStdin(opts.passwordStdin), admin: opts.admin === true });
        console.log(`Created dashboard user ${user.name}${user.isAdmin ? " (admin)" : ""}. Sign in at ${ctx.config.publicUrl}/sign-in`);
      }),
    );

  users
    .command("reset-password")
    .description("Set a new password; every session of the user is signed out")
    .requiredOption("--name <name>", "the user name")
    .option("--password-stdin", "read the new password from stdin")
    .action((opts: { name: string; passwordStdin?: boolean }) =>
      withContext(async (ctx) => {
        if (!(await findUserByName(ctx, opts.name))) fail(`no user named ${opts.name} (create one with \`critique users create\`)`);
        const user = await setPassword(ctx, { name: opts.name, password: await passwordFromStdin(opts.passwordStdin) });
        await revokeUserSessions(ctx, user.id);
        console.log(`Password of ${user.name} reset; their sessions were signed out.`);
      }),
    );

  users
    .command("list")
    .description("List users (never their passwords)")
    .option("--json", "print a JSON array of {id, name, admin, dashboard, createdAt}")
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await ctx.db.select().from(ctx.tables.users).orderBy(desc(ctx.tables.users.createdAt));
        const list = rows.map((u) => ({ id: u.id, name: u.name, admin: u.isAdmin, dashboard: u.passwordHash !== null, createdAt: u.createdAt.toISOString() }));
        if (opts.json) return console.log(JSON.stringify(list));
        for (const u of list) console.log(`${u.id}  ${u.name}${u.admin ? "  admin" : ""}${u.dashboard ? "  can sign in" : "  keys only"}`);
      }),
    );
}
