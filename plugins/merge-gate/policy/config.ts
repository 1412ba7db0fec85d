import { z } from "zod";
import { SPECIALISTS } from "../analysis/repo-config.ts";
import { parseSection } from "../analysis/settings-section.ts";

const riskBand = z.enum(["low", "medium", "high", "critical"]);

/**
 * The declarative merge policy: the `policy` section of the server config file, overridden per repository by the
 * `policy` section of the base branch's `.critique.yml`. Field by field; every field is optional in an override.
 */
export const policySettingsSchema = z.strictObject({
  /** Block when a FAIL finding has at least this confidence (false: FAIL findings alone never block). */
  blockOnFail: z.union([z.strictObject({ minConfidence: z.number().min(0).max(1) }), z.literal(false)]).optional(),
  /** Risk bands that need a human approval. */
  requireApprovalForRisk: z.array(riskBand).optional(),
  /** More WARNING findings than this need a human approval (null: no limit). */
  maxWarnings: z.number().int().min(0).nullable().optional(),
  /** Specialists that must have completed; otherwise the change is blocked (fail closed). */
  requiredSpecialists: z.array(z.enum(SPECIALISTS)).optional(),
  /** A checkpoint that blocked blocks the merge. */
  requirePassingCheckpoint: z.boolean().optional(),
  /** Without a completed review of the head commit the merge is blocked. */
  requireReview: z.boolean().optional(),
});
export type PolicySettingsInput = z.output<typeof policySettingsSchema>;

export interface PolicySettings {
  blockOnFail: { minConfidence: number } | false;
  requireApprovalForRisk: ("low" | "medium" | "high" | "critical")[];
  maxWarnings: number | null;
  requiredSpecialists: (typeof SPECIALISTS)[number][];
  requirePassingCheckpoint: boolean;
  requireReview: boolean;
}

const DEFAULTS: PolicySettings = {
  blockOnFail: { minConfidence: 0.5 },
  requireApprovalForRisk: ["high", "critical"],
  maxWarnings: null,
  requiredSpecialists: [],
  requirePassingCheckpoint: true,
  requireReview: true,
};

export function resolvePolicySettings(...layers: (PolicySettingsInput | undefined)[]): PolicySettings {
  const settings = { ...DEFAULTS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) (settings as Record<string, unknown>)[key] = value;
  }
  return settings;
}

export const parsePolicySettings = (raw: unknown) => parseSection(policySettingsSchema, "policy", raw);
