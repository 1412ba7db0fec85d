import pino from "pino";
import { reportAndExit } from "../commands.ts";
import { loadConfig } from "../config/index.ts";
import type { AppContext } from "../context.ts";
import { createLogger } from "../log.ts";
import { closeContext, createContext } from "../runtime.ts";

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
