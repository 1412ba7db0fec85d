import { countTokens } from "../../../src/models/tokens.ts";
import type { ChangedFile } from "../analysis/diff.ts";
import type { ChangeFacts } from "../analysis/facts.ts";

export interface Chunk {
  files: ChangedFile[];
  text: string;
  tokens: number;
}

export interface ChunkPlan {
  chunks: Chunk[];
  /** Files that did not fit in the budget: named in the summary, and the verdict cannot be PASS. */
  notReviewed: string[];
}

/** Renders one file's diff with head line numbers so the model can point at lines. */
export function renderFile(file: ChangedFile): string {
  const header = `### ${file.path}${file.previousPath ? ` (renamed from ${file.previousPath})` : ""} [${file.status}, +${file.additions} -${file.deletions}]`;
  const body = file.lines.map((l) => `${String(l.newLine ?? "").padStart(6)} ${l.kind === "add" ? "+" : l.kind === "del" ? "-" : " "} ${l.text}`);
  return [header, ...body].join("\n");
}

/** Most relevant first: sensitive paths, then source, then the rest; larger changes before smaller ones. */
function relevance(file: ChangedFile, facts: ChangeFacts): number {
  const sensitive = Object.values(facts.sensitive).some((paths) => paths.includes(file.path));
  const source = facts.sourceFiles.includes(file.path);
  return (sensitive ? 2_000_000 : 0) + (source ? 1_000_000 : 0) + Math.min(999_999, file.additions + file.deletions);
}

/**
 * Packs files into chunks of at most `budget` tokens (counted with the o200k tokenizer), most relevant first,
 * up to `maxChunks`. A file larger than a whole chunk is not cut mid-hunk: it is listed as not reviewed.
 */
export async function planChunks(files: ChangedFile[], facts: ChangeFacts, budget: number, maxChunks: number): Promise<ChunkPlan> {
  const ordered = [...files].sort((a, b) => relevance(b, facts) - relevance(a, facts));
  // All files' texts in one batch, counted off the event loop (src/models/tokens.ts).
  const texts = ordered.map(renderFile);
  const counts = await countTokens(texts);
  const chunks: Chunk[] = [];
  const notReviewed: string[] = [];
  let current: Chunk = { files: [], text: "", tokens: 0 };
  for (const [i, file] of ordered.entries()) {
    const text = texts[i]!;
    const tokens = counts[i]! + 1;
    if (tokens > budget) {
      notReviewed.push(file.path);
      continue;
    }
    if (current.tokens + tokens > budget) {
      chunks.push(current);
      current = { files: [], text: "", tokens: 0 };
    }
    if (chunks.length >= maxChunks) {
      notReviewed.push(file.path);
      continue;
    }
    current.files.push(file);
    current.text += (current.text ? "\n\n" : "") + text;
    current.tokens += tokens;
  }
  if (current.files.length && chunks.length < maxChunks) chunks.push(current);
  else if (current.files.length) notReviewed.push(...current.files.map((f) => f.path));
  return { chunks, notReviewed };
}
