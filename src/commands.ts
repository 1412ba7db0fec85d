/**
 * What every CLI command shares, core and plugins alike. The program (src/cli/program.ts) hands plugins its
 * `withContext`, which needs the whole runtime: imported here, it would make every plugin import the app.
 */
import type { AppContext } from "./context.ts";
import { AppError, ConfigError } from "./errors.ts";

/** Prints one line to stderr and exits 1: for usage and config errors, never a stack trace. */
export function fail(message: string): never {
  console.error(`critique: ${message}`);
  process.exit(1);
}

export function reportAndExit(error: unknown): never {
  if (error instanceof ConfigError || error instanceof AppError) fail(error.message);
  // Unexpected: the message for the operator, the stack only when asked for.
  if (process.env.CRITIQUE_LOG_LEVEL === "debug") console.error((error as Error)?.stack);
  fail(`unexpected error: ${(error as Error)?.message ?? error} (set CRITIQUE_LOG_LEVEL=debug for details)`);
}

/** Runs a one-shot command against the configured database, then closes it (src/cli/run.ts). */
export type WithContext = (fn: (ctx: AppContext) => Promise<void>) => Promise<void>;
