import type { Command } from "commander";
import { ensureUser, findUserByName, type User } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { parseCredits, toCredits } from "../credits/amounts.ts";
import { listLedger } from "../credits/ledger.ts";
import { ledgerEntryView } from "../credits/routes.ts";
import { creditsMode, getBalance, grantCredits } from "../credits/service.ts";
import { fail } from "../commands.ts";
import { withContext } from "./run.ts";

async function existingUser(ctx: AppContext, name: string): Promise<User> {
  const user = await findUserByName(ctx, name);
  if (!user) fail(`unknown user "${name}" (users are created by \`critique keys create --user ${name}\` or \`critique credits grant\`)`);
  return user;
}

export function registerCreditCommands(program: Command) {
  const credits = program.command("credits").description("Grant credits and inspect balances and the ledger (amounts in credits, up to 6 decimals)");

  credits
    .command("grant")
    .description("Add credits to a user's balance (the user is created if new)")
    .requiredOption("--user <user>", "the user name")
    .requiredOption("--amount <credits>", "credits to add, e.g. 100 or 2.5")
    .option("--memo <text>", "why, recorded in the ledger")
    .option("--json", "print JSON: {user, amount, balance, entry}")
    .action((opts: { user: string; amount: string; memo?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const amount = parseCredits(opts.amount, "--amount");
        if (amount === 0) fail("--amount: must be more than 0");
        const existed = await findUserByName(ctx, opts.user);
        const user = existed ?? (await ensureUser(ctx, opts.user));
        const { balance, entry } = await grantCredits(ctx, { userId: user.id, amount, memo: opts.memo });
        if (opts.json) return console.log(JSON.stringify({ user: user.name, amount: toCredits(amount), balance: toCredits(balance), entry: ledgerEntryView(entry) }));
        if (!existed) console.error(`Created user ${user.name}.`);
        console.log(`Granted ${toCredits(amount)} credits to ${user.name}: balance ${toCredits(balance)} credits.`);
      }),
    );

  credits
    .command("balance")
    .description("Show a user's available and reserved credits")
    .requiredOption("--user <user>", "the user name")
    .option("--json", "print JSON: {user, balance, reserved, openReservations, mode}")
    .action((opts: { user: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const user = await existingUser(ctx, opts.user);
        const b = await getBalance(ctx, user.id);
        const view = { user: user.name, balance: toCredits(b.available), reserved: toCredits(b.reserved), openReservations: b.openReservations, mode: creditsMode(ctx) };
        if (opts.json) return console.log(JSON.stringify(view));
        console.log(`${view.user}: ${view.balance} credits available, ${view.reserved} reserved by ${view.openReservations} open reservation(s) (mode: ${view.mode})`);
      }),
    );

  credits
    .command("ledger")
    .description("List a user's ledger entries, newest first")
    .requiredOption("--user <user>", "the user name")
    .option("--limit <n>", "entries per page (1-100)", "20")
    .option("--cursor <cursor>", "nextCursor from a previous page")
    .option("--json", "print JSON: {user, entries: [{id, kind, amount, balanceAfter, reservationId, reference, memo, createdAt}], nextCursor}")
    .action((opts: { user: string; limit: string; cursor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) fail(`--limit: expected a whole number from 1 to 100, got "${opts.limit}"`);
        if (opts.cursor !== undefined && !/^[0-9a-f]{32}$/.test(opts.cursor)) fail("--cursor: must be a nextCursor value from a previous page");
        const user = await existingUser(ctx, opts.user);
        const page = await listLedger(ctx, { userId: user.id, limit, cursor: opts.cursor });
        const entries = page.entries.map(ledgerEntryView);
        if (opts.json) return console.log(JSON.stringify({ user: user.name, entries, nextCursor: page.nextCursor }));
        if (entries.length === 0) return console.log("No ledger entries.");
        for (const e of entries) {
          console.log(`${e.createdAt}  ${e.kind.padEnd(7)}  ${String(e.amount).padStart(12)}  → ${e.balanceAfter}  ${e.reference ?? ""}  ${e.memo ?? ""}`.trimEnd());
        }
        if (page.nextCursor) console.log(`More: --cursor ${page.nextCursor}`);
      }),
    );
}
