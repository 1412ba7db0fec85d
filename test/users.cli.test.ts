import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";

let backends: TestBackends;
beforeAll(async () => {
  backends = await createBackends();
});
afterAll(() => backends.dispose());

/** Runs `bun src/cli/main.ts …` as an operator would, with `stdin` piped in. */
async function critique(stdin: string | null, ...args: string[]) {
  const proc = Bun.spawn(["bun", "src/cli/main.ts", ...args], {
    cwd: resolve(import.meta.dir, ".."),
    env: { PATH: process.env.PATH ?? "", ...backends.env },
    stdin: stdin === null ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe(`critique users (${legName})`, () => {
  test("create reads the password from stdin, marks admins, and refuses a second create of the same user", async () => {
    const created = await critique("a long enough password\n", "users", "create", "--name", "root", "--admin", "--password-stdin");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Created dashboard user root (admin).");
    const again = await critique("another long password", "users", "create", "--name", "root", "--password-stdin");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already has a password: use `critique users reset-password --name root --password-stdin`");
    const list = JSON.parse((await critique(null, "users", "list", "--json")).stdout);
    expect(list.find((u: any) => u.name === "root")).toMatchObject({ admin: true, dashboard: true });
    expect(JSON.stringify(list)).not.toContain("password");
  });

  test("the password never comes from an argument, and short ones are refused", async () => {
    const missing = await critique(null, "users", "create", "--name", "nopw");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--password-stdin");
    const short = await critique("short\n", "users", "create", "--name", "shorty", "--password-stdin");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("at least 12 characters");
  });

  test("reset-password needs an existing user and says the sessions were signed out", async () => {
    expect((await critique("a long enough password", "users", "reset-password", "--name", "ghost", "--password-stdin")).stderr).toContain("no user named ghost");
    const reset = await critique("a brand new password", "users", "reset-password", "--name", "root", "--password-stdin");
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("Password of root reset; their sessions were signed out.");
  });
});
