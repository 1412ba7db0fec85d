import { z } from "zod";

/** What a specialist must answer, enforced by `response_format` (json_schema, strict) and validated again here. */
export const specialistOutput = z.strictObject({
  findings: z
    .array(
      z.strictObject({
        severity: z.enum(["INFO", "WARNING", "FAIL"]).describe("FAIL blocks the merge; WARNING needs attention; INFO is advice"),
        confidence: z.number().describe("0 to 1: how sure you are this is a real problem"),
        rule: z.string().describe("a short kebab-case rule id, e.g. missing-authz-check"),
        title: z.string().describe("a short label"),
        summary: z.string().describe("evidence-oriented explanation a fix agent can act on"),
        filePath: z.string().nullable().describe("path of the file in the diff, or null"),
        startLine: z.number().int().nullable().describe("head line number where the problem starts, or null"),
        endLine: z.number().int().nullable(),
        quote: z.string().nullable().describe("the exact code from the diff this is about, or null"),
      }),
    )
    .max(50),
});

export type SpecialistOutput = z.output<typeof specialistOutput>;

/** JSON Schema for OpenAI structured outputs (no `$schema` key: some upstreams refuse it). */
export const specialistJsonSchema = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(specialistOutput) as Record<string, unknown>;
  return schema;
})();
