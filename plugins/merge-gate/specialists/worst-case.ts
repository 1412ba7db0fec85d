import { sumTokens } from "../../../src/models/tokens.ts";
import type { ChangedFile } from "../analysis/diff.ts";
import { changeFacts } from "../analysis/facts.ts";
import { parseRepoConfig, SPECIALISTS, specialistEnabled } from "../analysis/repo-config.ts";
import { selectFiles } from "../analysis/select.ts";
import { planChunks } from "./chunking.ts";
import { specialistJsonSchema } from "./output.ts";
import { buildMessages } from "./prompts.ts";
import { ATTEMPTS, MAX_ANSWER_TOKENS } from "./run.ts";

/** Chat-template tokens around each message and before the answer (a few per message on every known template). */
const PER_MESSAGE = 8;
const PER_CALL = 8;
const SCHEMA_TEXT = JSON.stringify(specialistJsonSchema);

export interface WorstCase {
  promptTokens: number;
  completionTokens: number;
}

/**
 * The most tokens a review of `change` can spend, as the pipeline will run it (pipeline/specialists.ts): every
 * enabled specialist over every chunk of the plan, each call tried up to ATTEMPTS times, each answer at most
 * MAX_ANSWER_TOKENS. Prompts are counted as built, with every repository instruction (a superset of the ones a
 * chunk gets) and the response schema, with the tokenizer the chunk budget uses. A review reserves this up front,
 * so in enforce mode its real cost is covered; only an upstream counting more tokens than this is capped.
 */
export async function worstCaseUsage(
  review: { chunkTokenBudget: number; maxChunks: number },
  change: { files: ChangedFile[]; title: string | null; repoConfigText: string | undefined },
): Promise<WorstCase> {
  const { config } = parseRepoConfig(change.repoConfigText);
  const selection = selectFiles(change.files, config);
  const plan = await planChunks(selection.reviewed, changeFacts(change.files), review.chunkTokenBudget, review.maxChunks);
  const instructions = config.instructions.map((i) => `${i.path}: ${i.text}`);
  // Every call's texts in one batch (equal ones, like the schema, are counted once: src/models/tokens.ts).
  const texts: string[] = [];
  let promptTokens = 0;
  let calls = 0;
  for (const specialist of SPECIALISTS.filter((s) => specialistEnabled(config, s))) {
    for (const chunk of plan.chunks) {
      const messages = buildMessages({ specialist, title: change.title, instructions, diff: chunk.text });
      texts.push(SCHEMA_TEXT, ...messages.map((m) => m.content));
      promptTokens += PER_CALL + messages.length * PER_MESSAGE;
      calls++;
    }
  }
  promptTokens += await sumTokens(texts);
  return { promptTokens: promptTokens * ATTEMPTS, completionTokens: calls * ATTEMPTS * MAX_ANSWER_TOKENS };
}
