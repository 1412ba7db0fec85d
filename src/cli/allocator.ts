import { isCompiled } from "../paths.ts";

/** mimalloc's option: milliseconds before freed memory goes back to the OS; -1 never. */
export const PURGE_DELAY = "MIMALLOC_PURGE_DELAY";

export interface Restart {
  argv: string[];
  env: Record<string, string | undefined>;
  /** Bun's own flags (`--smol`, `--cpu-prof`), passed on when running from source. */
  execArgv: string[];
  execPath: string;
  compiled: boolean;
  exec: ((file: string, args: string[], env: Record<string, string | undefined>) => never) | undefined;
}

/**
 * `critique serve` runs with mimalloc's purging off (`MIMALLOC_PURGE_DELAY=-1`): memory the process has freed is
 * kept for reuse instead of being handed back to the OS and faulted in again. Under load the JS heap frees and
 * takes back tens of MB every GC cycle; with purging on, that churn cost ~0.8 page faults, a busy allocator thread
 * and about a quarter of the CPU of each gateway request (136 -> 100 µs per non-streamed completion on a 2-core box,
 * A/B against the same build). The price: resident memory stays at its high-water mark after a burst.
 *
 * mimalloc (Bun's allocator) reads its options once, when the process starts, so the only way to set one is to
 * start again: `process.execve` replaces this process with the same binary and arguments (same pid, same stdio)
 * before anything else has loaded. An operator who sets MIMALLOC_PURGE_DELAY (e.g. mimalloc's default, 100, to give
 * memory back) keeps that value, and the one-shot CLI commands are left alone.
 */
export function restartWithoutPurging(restart: Restart = fromProcess()): void {
  const { argv, env, exec } = restart;
  const command = argv[2];
  const serving = command === undefined || command === "serve";
  if (!serving || env[PURGE_DELAY] !== undefined || !exec) return;
  // In the binary argv[1] is its embedded entry point (the binary itself takes the arguments); from source it is
  // the script, after Bun's own flags.
  const args = restart.compiled ? argv.slice(2) : [...restart.execArgv, ...argv.slice(1)];
  try {
    exec(restart.execPath, [restart.execPath, ...args], { ...env, [PURGE_DELAY]: "-1" });
  } catch {
    // Not allowed to exec (a sandbox, a binary deleted since it started): serve as we are, with purging on.
  }
}

function fromProcess(): Restart {
  const exec = typeof process.execve === "function" ? (process.execve.bind(process) as Restart["exec"]) : undefined;
  return { argv: process.argv, env: process.env, execArgv: process.execArgv, execPath: process.execPath, compiled: isCompiled, exec };
}
