import { z } from "zod";
import { parseSection } from "../analysis/settings-section.ts";

const level = z.enum(["block", "warn", "off"]);
export type RuleLevel = z.output<typeof level>;

export const CHECKPOINT_RULES = ["secrets", "protectedPaths", "largeDiff", "binaryAdded", "manifestLockMismatch", "sourceWithoutTests", "agentAuthor"] as const;
export type CheckpointRule = (typeof CHECKPOINT_RULES)[number];

const DEFAULT_LEVELS: Record<CheckpointRule, RuleLevel> = {
  secrets: "block",
  protectedPaths: "warn",
  largeDiff: "warn",
  binaryAdded: "warn",
  manifestLockMismatch: "warn",
  sourceWithoutTests: "warn",
  agentAuthor: "warn",
};

/**
 * Checkpoint settings: the `checkpoint` section of the server config file, overridden per repository by the
 * `checkpoint` section of the base branch's `.critique.yml`. Every field is optional in an override.
 */
export const checkpointSettingsSchema = z.strictObject({
  rules: z.partialRecord(z.enum(CHECKPOINT_RULES), level).optional(),
  /** Protected path categories (ci, auth, migrations, infra) and extra globs. */
  protectedCategories: z.array(z.enum(["ci", "auth", "migrations", "infra"])).optional(),
  protectedPaths: z.array(z.string()).optional(),
  /** Added + deleted lines above which `largeDiff` fires. */
  maxChangedLines: z.number().int().positive().optional(),
  /** Author logins (case-insensitive substrings) treated as coding agents, besides GitHub's Bot accounts. */
  agentLogins: z.array(z.string().min(1)).optional(),
  /**
   * For pull requests GitHub tells us about: which checkpoint outcomes queue the full review. Unset: every
   * pull request event queues a review, as without a checkpoint. `[warn]`: only warned changes are reviewed.
   */
  autoReview: z.array(z.enum(["block", "warn", "pass"])).optional(),
});
export type CheckpointSettingsInput = z.output<typeof checkpointSettingsSchema>;

export interface CheckpointSettings {
  rules: Record<CheckpointRule, RuleLevel>;
  protectedCategories: ("ci" | "auth" | "migrations" | "infra")[];
  protectedPaths: string[];
  maxChangedLines: number;
  agentLogins: string[];
  autoReview: ("block" | "warn" | "pass")[] | undefined;
}

const DEFAULTS: CheckpointSettings = {
  rules: DEFAULT_LEVELS,
  protectedCategories: ["ci", "auth", "migrations"],
  protectedPaths: [],
  maxChangedLines: 1_000,
  agentLogins: ["devin", "codex", "copilot", "cursor", "sweep", "claude", "openhands", "jules", "agent"],
  autoReview: undefined,
};

/** Server settings, then the repository's overrides on top (field by field; rules merge by name). */
export function resolveCheckpointSettings(...layers: (CheckpointSettingsInput | undefined)[]): CheckpointSettings {
  const settings: CheckpointSettings = { ...DEFAULTS, rules: { ...DEFAULTS.rules } };
  for (const layer of layers) {
    if (!layer) continue;
    Object.assign(settings.rules, layer.rules);
    if (layer.protectedCategories) settings.protectedCategories = layer.protectedCategories;
    if (layer.protectedPaths) settings.protectedPaths = layer.protectedPaths;
    if (layer.maxChangedLines) settings.maxChangedLines = layer.maxChangedLines;
    if (layer.agentLogins) settings.agentLogins = layer.agentLogins;
    if (layer.autoReview) settings.autoReview = layer.autoReview;
  }
  return settings;
}

export const parseCheckpointSettings = (raw: unknown) => parseSection(checkpointSettingsSchema, "checkpoint", raw);
