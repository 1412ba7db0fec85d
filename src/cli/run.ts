import pino from "pino";
import { ConfigError, loadConfig } from "../config/index.ts";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { closeContext, createContext } from "../runtime.ts";

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

/** Runs a one-shot command against the configured database, then closes it. Logs stay quiet. */
export async function withContext(fn: (ctx: AppContext) => Promise<void>): Promise<void> {
  let ctx: AppContext | undefined;
  try {
    const config = loadConfig();
    // Warnings go to stderr so that stdout stays clean for `--json` output.
    ctx = await createContext(config, createLogger("warn", pino.destination({ fd: 2, sync: true })));
    await fn(ctx);
  } catch (error) {
    reportAndExit(error);
  } finally {
    if (ctx) await closeContext(ctx);
  }
}
