import { createWriteStream } from "node:fs";
import type { Command } from "commander";
import { findUserByName } from "../../src/auth/users.ts";
import { parseDuration } from "../../src/duration.ts";
import { fail, type WithContext } from "../../src/commands.ts";
import { exportSamples } from "./training.ts";

/** `critique training export`: the prompts and completions retained for opted-in keys, as fine-tuning JSONL. */
export function registerTrainingCommands(program: Command, withContext: WithContext) {
  const training = program.command("training").description("Training data retained from Inference API keys that opted in (--training-opt-in)");

  training
    .command("export")
    .description('Write retained exchanges as JSONL, one {"messages": [...], "tools"?} object per line (chat fine-tuning format)')
    .option("--user <user>", "only this user's samples")
    .option("--model <id>", "only samples of this model")
    .option("--since <when>", "only samples from this ISO date on, or from this long ago (e.g. 7d, 12h)")
    .option("--metadata", "add {id, model, createdAt} as `metadata` to each line")
    .option("--output <file>", "write to this file instead of stdout")
    .action((opts: { user?: string; model?: string; since?: string; metadata?: boolean; output?: string }) =>
      withContext(async (ctx) => {
        let userId: string | undefined;
        if (opts.user !== undefined) {
          const user = await findUserByName(ctx, opts.user);
          if (!user) fail(`--user: unknown user "${opts.user}"`);
          userId = user.id;
        }
        const since = opts.since === undefined ? undefined : sinceDate(opts.since);
        const out = opts.output ? createWriteStream(opts.output) : undefined;
        let count = 0;
        for await (const line of exportSamples(ctx, { userId, model: opts.model, since, metadata: opts.metadata })) {
          if (out) out.write(`${line}\n`);
          else process.stdout.write(`${line}\n`);
          count++;
        }
        if (out) {
          await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
          console.error(`Wrote ${count} sample(s) to ${opts.output}.`);
        }
      }),
    );
}

function sinceDate(text: string): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(Date.now() - ms);
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) fail(`--since: expected an ISO date or a duration like 7d, got "${text}"`);
  return date;
}
