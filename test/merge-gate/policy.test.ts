import { describe, expect, test } from "bun:test";
import { parsePolicySettings, resolvePolicySettings } from "../../plugins/merge-gate/policy/config.ts";
import { evaluatePolicy, type PolicyFacts } from "../../plugins/merge-gate/policy/evaluate.ts";

const clean: PolicyFacts = {
  headSha: "abc1234def",
  review: { verdict: "PASS", riskBand: "low", findings: [], specialists: [{ name: "SECURITY", status: "complete" }, { name: "TESTS", status: "complete" }] },
  checkpoint: { outcome: "pass" },
};
const defaults = resolvePolicySettings();

describe("merge policy outcomes", () => {
  test("a clean, reviewed, low-risk change is allowed", () => {
    expect(evaluatePolicy(clean, defaults)).toEqual({ outcome: "allow", reasons: [] });
  });

  test("a FAIL finding at or above the confidence blocks; below it does not", () => {
    const facts = { ...clean, review: { ...clean.review!, findings: [{ severity: "FAIL", confidence: 0.8 }] } };
    expect(evaluatePolicy(facts, defaults).outcome).toBe("block");
    expect(evaluatePolicy(facts, resolvePolicySettings({ blockOnFail: { minConfidence: 0.9 } })).outcome).toBe("allow");
    expect(evaluatePolicy(facts, resolvePolicySettings({ blockOnFail: false })).outcome).toBe("allow");
  });

  test("a high or critical risk band needs a human approval", () => {
    const risky = { ...clean, review: { ...clean.review!, riskBand: "high" } };
    expect(evaluatePolicy(risky, defaults)).toEqual({ outcome: "require_approval", reasons: ["risk high needs a human approval"] });
    expect(evaluatePolicy(risky, resolvePolicySettings({ requireApprovalForRisk: ["critical"] })).outcome).toBe("allow");
  });

  test("more warnings than allowed need an approval", () => {
    const noisy = { ...clean, review: { ...clean.review!, findings: Array.from({ length: 4 }, () => ({ severity: "WARNING", confidence: 0.9 })) } };
    expect(evaluatePolicy(noisy, defaults).outcome).toBe("allow");
    expect(evaluatePolicy(noisy, resolvePolicySettings({ maxWarnings: 3 })).reasons).toEqual(["4 warnings (more than 3)"]);
  });

  test("a required specialist that did not complete blocks", () => {
    const partial = { ...clean, review: { ...clean.review!, specialists: [{ name: "SECURITY", status: "incomplete" }] } };
    const policy = resolvePolicySettings({ requiredSpecialists: ["SECURITY", "TESTS"] });
    expect(evaluatePolicy(partial, policy)).toEqual({ outcome: "block", reasons: ["required specialists did not complete: SECURITY, TESTS"] });
  });

  test("a blocking checkpoint blocks unless the policy does not require a passing one", () => {
    const blocked = { ...clean, checkpoint: { outcome: "block" } };
    expect(evaluatePolicy(blocked, defaults).reasons).toEqual(["checkpoint blocked abc1234def"]);
    expect(evaluatePolicy(blocked, resolvePolicySettings({ requirePassingCheckpoint: false })).outcome).toBe("allow");
  });

  test("without a completed review of the head the merge is blocked (fail closed), unless reviews are optional", () => {
    const unreviewed = { headSha: "abc1234def", checkpoint: { outcome: "pass" } };
    expect(evaluatePolicy(unreviewed, defaults)).toEqual({ outcome: "block", reasons: ["no completed review of abc1234def"] });
    expect(evaluatePolicy(unreviewed, resolvePolicySettings({ requireReview: false })).outcome).toBe("allow");
  });

  test("block wins over require_approval, and every reason is listed", () => {
    const both = { ...clean, review: { ...clean.review!, riskBand: "critical", findings: [{ severity: "FAIL", confidence: 0.99 }] } };
    const result = evaluatePolicy(both, defaults);
    expect(result.outcome).toBe("block");
    expect(result.reasons).toHaveLength(2);
  });

  test("invalid policy settings are reported with their path", () => {
    expect(parsePolicySettings({ maxWarnings: -1 }).problem).toContain("policy.maxWarnings");
    expect(parsePolicySettings({ requiredSpecialists: ["WIZARD"] }).problem).toContain("policy.requiredSpecialists");
  });
});
