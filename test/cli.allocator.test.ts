import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PURGE_DELAY, type Restart, restartWithoutPurging } from "../src/cli/allocator.ts";
import { environOf } from "./helpers/binary.ts";
import { spawnServe } from "./helpers/jobs.ts";

/** A restart that records what it would have exec'd instead of doing it. */
function dryRun(overrides: Partial<Restart>) {
  const calls: { file: string; args: string[]; env: Record<string, string | undefined> }[] = [];
  const restart: Restart = {
    argv: ["/usr/bin/bun", "/repo/src/cli/main.ts", "serve"],
    env: { PATH: "/usr/bin" },
    execArgv: [],
    execPath: "/usr/bin/bun",
    compiled: false,
    exec: ((file: string, args: string[], env: Record<string, string | undefined>) => {
      calls.push({ file, args, env });
    }) as Restart["exec"],
    ...overrides,
  };
  restartWithoutPurging(restart);
  return calls;
}

test("serve from source restarts once with purging off, keeping Bun's flags, the script and the environment", () => {
  const calls = dryRun({ execArgv: ["--smol"], env: { PATH: "/usr/bin", PORT: "9000" } });
  expect(calls).toEqual([{ file: "/usr/bin/bun", args: ["/usr/bin/bun", "--smol", "/repo/src/cli/main.ts", "serve"], env: { PATH: "/usr/bin", PORT: "9000", [PURGE_DELAY]: "-1" } }]);
});

test("the binary restarts as itself with the user's arguments only (argv[1] is its embedded entry point)", () => {
  const calls = dryRun({ compiled: true, execPath: "/opt/critique", argv: ["bun", "/$bunfs/root/critique", "serve"], execArgv: ["--ignored"] });
  expect(calls.map((c) => [c.file, c.args])).toEqual([["/opt/critique", ["/opt/critique", "serve"]]]);
});

test("a bare `critique` is serve and restarts too", () => {
  expect(dryRun({ argv: ["bun", "/$bunfs/root/critique"], compiled: true, execPath: "/opt/critique" })).toHaveLength(1);
});

test("an operator's own MIMALLOC_PURGE_DELAY, one-shot commands and platforms without execve are left alone", () => {
  expect(dryRun({ env: { [PURGE_DELAY]: "100" } })).toEqual([]);
  expect(dryRun({ argv: ["bun", "main.ts", "keys", "create"] })).toEqual([]);
  expect(dryRun({ argv: ["bun", "main.ts", "--help"] })).toEqual([]);
  expect(dryRun({ exec: undefined })).toEqual([]);
});

test("a failed exec is not fatal: the server starts as it is", () => {
  const exec = (() => {
    throw new Error("EACCES");
  }) as Restart["exec"];
  expect(() => dryRun({ exec })).not.toThrow();
});

test.if(process.platform === "linux")("`bun src/cli/main.ts serve` really runs with purging off, in the process that was spawned", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "critique-allocator-"));
  const serve = await spawnServe({ CRITIQUE_DATA_DIR: dataDir, CRITIQUE_LOG_LEVEL: "warn" });
  try {
    expect(environOf(serve.proc.pid)[PURGE_DELAY]).toBe("-1");
  } finally {
    expect(await serve.signal("SIGTERM")).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 30_000);
