import { writeSync } from "node:fs";
import { Command } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { loadConfig } from "../config/index.ts";
import { startServer } from "../runtime.ts";
import { registerTrainingCommands } from "../../plugins/inference/cli.ts";
import { registerCreditCommands } from "./credits.ts";
import { registerGateCommand } from "./gate.ts";
import { registerKeyCommands } from "./keys.ts";
import { registerUserCommands } from "./users.ts";
import { registerInstallationCommands } from "../../plugins/merge-gate/cli.ts";
import { registerPassportCommands } from "../../plugins/merge-gate/passports/cli.ts";
import { reportAndExit } from "../commands.ts";
import { withContext } from "./run.ts";

const program = new Command()
  .name("critique")
  .description("Critique: merge gate, inference gateway and coding-agent API in one binary.\nConfiguration comes from environment variables (see README).")
  .version(pkg.version)
  .showHelpAfterError();

program
  .command("serve", { isDefault: true })
  .description("Start the server (PORT, HOST, DATABASE_URL, REDIS_URL, … from the environment)")
  .action(async () => {
    try {
      const server = await startServer(loadConfig());
      const log = server.ctx.log;
      // pino writes asynchronously: flush before exiting or the last lines are lost.
      const exit = (code: number) => log.flush(() => process.exit(code));
      const shutdown = (signal: string) => {
        log.info({ signal }, "shutting down: draining work");
        // Whatever hangs (a queue that cannot be reached, a stuck connection), the process ends: the drain timeout
        // plus a short grace for closing, then exit 1 with the reason logged.
        const graceMs = server.ctx.config.env.CRITIQUE_SHUTDOWN_TIMEOUT_MS + 5_000;
        setTimeout(() => {
          // Written synchronously: the logger's asynchronous stream may be what is stuck.
          writeSync(2, `${JSON.stringify({ level: 50, time: new Date().toISOString(), service: "critique", afterMs: graceMs, msg: "shutdown did not finish in time (is Redis or the database reachable?): exiting" })}\n`);
          process.exit(1);
        }, graceMs).unref();
        server.stop().then(
          () => {
            log.info("stopped");
            exit(0);
          },
          (error) => {
            log.error({ err: error }, "shutdown failed");
            exit(1);
          },
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    } catch (error) {
      reportAndExit(error);
    }
  });

program
  .command("migrate")
  .description("Apply database migrations and exit")
  .action(() => withContext(async () => console.log("Migrations applied.")));

registerKeyCommands(program);
registerUserCommands(program);
registerCreditCommands(program);
registerTrainingCommands(program, withContext);
registerInstallationCommands(program, withContext);
registerPassportCommands(program, withContext);
registerGateCommand(program);

await program.parseAsync(process.argv);
