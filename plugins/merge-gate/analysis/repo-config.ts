import { z } from "zod";

export const SPECIALISTS = ["SECURITY", "TESTS", "ARCHITECTURE", "PERFORMANCE", "CODE_QUALITY"] as const;
export type Specialist = (typeof SPECIALISTS)[number];
export const SEVERITIES = ["INFO", "WARNING", "FAIL"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * `.critique.yml`, read from the BASE branch of the pull request, never from its head: a pull request must not
 * be able to weaken the gate that judges it.
 */
export const repoConfigSchema = z
  .object({
    paths: z
      .object({
        /** Globs reviewed even when a default rule would skip them (lock files, generated code…). */
        include: z.array(z.string()).default([]),
        /** Globs never reviewed. */
        exclude: z.array(z.string()).default([]),
      })
      .default({ include: [], exclude: [] }),
    /** Extra guidance handed to the specialists for matching files. */
    instructions: z.array(z.object({ path: z.string(), text: z.string().max(2_000) })).default([]),
    specialists: z.partialRecord(z.enum(SPECIALISTS), z.boolean()).default({}),
    /** Findings below this severity are not reported. */
    severityThreshold: z.enum(SEVERITIES).default("INFO"),
    /** What a remedy (fix) run is told about this repository, besides the instructions for the files it fixes. */
    remedy: z.strictObject({ instructions: z.string().max(4_000).optional() }).optional(),
    /** Sections owned by other features (checkpoint rules, merge policy) are validated there. */
    checkpoint: z.record(z.string(), z.unknown()).optional(),
    policy: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type RepoConfig = z.output<typeof repoConfigSchema>;
export const DEFAULT_REPO_CONFIG: RepoConfig = repoConfigSchema.parse({});

/**
 * Parses the file's text. A broken file does not stop the review: the defaults apply and the problem is
 * reported in the run's summary so the repository owner can fix it.
 */
export function parseRepoConfig(text: string | undefined): { config: RepoConfig; problem?: string } {
  if (text === undefined || text.trim() === "") return { config: DEFAULT_REPO_CONFIG };
  let raw: unknown;
  try {
    raw = Bun.YAML.parse(text);
  } catch (error) {
    return { config: DEFAULT_REPO_CONFIG, problem: `.critique.yml is not valid YAML (${(error as Error).message}); defaults used` };
  }
  const parsed = repoConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return { config: parsed.data };
  const issue = parsed.error.issues[0];
  return { config: DEFAULT_REPO_CONFIG, problem: `.critique.yml: ${issue.path.join(".") || "(root)"}: ${issue.message}; defaults used` };
}

export function specialistEnabled(config: RepoConfig, specialist: Specialist): boolean {
  return config.specialists[specialist] !== false;
}
