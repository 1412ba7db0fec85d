import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";

let backends: TestBackends;
beforeAll(async () => {
  backends = await createBackends();
});
afterAll(() => backends.dispose());

/** Runs `bun src/cli/main.ts …` as an operator would, against this test's database. */
async function critique(...args: string[]) {
  const proc = Bun.spawn(["bun", "src/cli/main.ts", ...args], {
    cwd: resolve(import.meta.dir, ".."),
    env: { PATH: process.env.PATH ?? "", ...backends.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe(`critique credits (${legName})`, () => {
  test("grant creates the user, adds credits and prints the new balance; balance and ledger show them", async () => {
    const first = await critique("credits", "grant", "--user", "gina", "--amount", "12.5");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("Granted 12.5 credits to gina: balance 12.5 credits.\n");
    expect(first.stderr).toContain("Created user gina.");

    const second = await critique("credits", "grant", "--user", "gina", "--amount", "0.000001", "--memo", "top-up", "--json");
    expect(second.code).toBe(0);
    const granted = JSON.parse(second.stdout);
    expect(granted).toMatchObject({ user: "gina", amount: 0.000001, balance: 12.500001, entry: { kind: "grant", amount: 0.000001, balanceAfter: 12.500001, memo: "top-up" } });

    const balance = await critique("credits", "balance", "--user", "gina", "--json");
    expect(JSON.parse(balance.stdout)).toEqual({ user: "gina", balance: 12.500001, reserved: 0, openReservations: 0, mode: "track" });
    expect((await critique("credits", "balance", "--user", "gina")).stdout).toContain("gina: 12.500001 credits available");

    const ledger = JSON.parse((await critique("credits", "ledger", "--user", "gina", "--json")).stdout);
    expect(ledger.entries.map((e: { amount: number }) => e.amount)).toEqual([0.000001, 12.5]);
    expect(ledger.entries[0].id).toBe(granted.entry.id);
    expect(ledger.nextCursor).toBeNull();
  });

  test("the user created by keys create can be granted credits", async () => {
    expect((await critique("keys", "create", "--name", "ci", "--user", "hank")).code).toBe(0);
    const grant = await critique("credits", "grant", "--user", "hank", "--amount", "3");
    expect(grant.stderr).not.toContain("Created user");
    expect(JSON.parse((await critique("credits", "balance", "--user", "hank", "--json")).stdout).balance).toBe(3);
  });

  test.each([
    [["credits", "balance", "--user", "nobody"], /^critique: unknown user "nobody"/m],
    [["credits", "ledger", "--user", "nobody"], /^critique: unknown user "nobody"/m],
    [["credits", "grant", "--user", "gina", "--amount", "-1"], /^critique: --amount: expected a non-negative number of credits/m],
    [["credits", "grant", "--user", "gina", "--amount", "1.1234567"], /at most 6 decimals/],
    [["credits", "grant", "--user", "gina", "--amount", "0"], /^critique: --amount: must be more than 0/m],
    [["credits", "ledger", "--user", "gina", "--limit", "500"], /^critique: --limit: expected a whole number from 1 to 100/m],
  ])("%p fails with exit 1 and a clear message", async (args, pattern) => {
    const result = await critique(...args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toContain("    at ");
    // Besides the message, stderr may only carry the log line warning that PostgreSQL runs without a set key.
    expect(result.stderr.trim().split("\n").filter((line) => !line.includes('"level":40'))).toHaveLength(1);
  });

  test("a missing option is a usage error naming it, followed by the help", async () => {
    const result = await critique("credits", "grant", "--amount", "5");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: required option '--user <user>' not specified$/m);
    expect(result.stderr).toContain("Usage: critique credits grant");
  });

  test("--help documents the subcommands", async () => {
    const help = await critique("credits", "--help");
    expect(help.code).toBe(0);
    for (const command of ["grant", "balance", "ledger"]) expect(help.stdout).toContain(command);
    expect((await critique("credits", "grant", "--help")).stdout).toContain("--amount <credits>");
  });
});
