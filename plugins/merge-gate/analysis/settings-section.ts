import type { z } from "zod";

/**
 * Parses one section of the server config or of `.critique.yml` (checkpoint, policy). A broken section is reported
 * with its path, never thrown: the caller decides (start-up fails on the server's own; a repository's is ignored
 * and named in the results).
 */
export function parseSection<S extends z.ZodType>(schema: S, section: string, raw: unknown): { settings?: z.output<S>; problem?: string } {
  if (raw === undefined) return {};
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { settings: parsed.data };
  const issue = parsed.error.issues[0];
  return { problem: `${section}.${issue.path.join(".")}: ${issue.message}` };
}
