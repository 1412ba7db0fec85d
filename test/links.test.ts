import { expect, test } from "bun:test";
import { runUrls as agentRunUrls } from "../plugins/coding-agent/views.ts";
import { checkpointUrl, passportUrls, reviewRunUrls } from "../plugins/merge-gate/links.ts";
import type { RemedyRow } from "../plugins/merge-gate/remedy/store.ts";
import { remedyUrls } from "../plugins/merge-gate/remedy/views.ts";
import { loadConfig, publicLink } from "../src/config/index.ts";
import type { AppContext } from "../src/context.ts";

// Every `urls.*` value is CRITIQUE_PUBLIC_URL followed by our path, whatever form the operator wrote the URL in.
const BASES: [string | undefined, string][] = [
  [undefined, "http://localhost:9123"],
  ["https://critique.example.com", "https://critique.example.com"],
  ["https://critique.example.com/", "https://critique.example.com"],
  ["https://example.com/critique", "https://example.com/critique"],
  ["https://example.com/critique//", "https://example.com/critique"],
];

for (const [configured, base] of BASES) {
  test(`CRITIQUE_PUBLIC_URL=${configured ?? "(unset)"} → links under ${base}`, () => {
    const config = loadConfig({ PORT: "9123", ...(configured ? { CRITIQUE_PUBLIC_URL: configured } : {}) });
    expect(config.publicUrl).toBe(base);
    const ctx = { config } as AppContext;
    expect(publicLink(config, "/sign-in")).toBe(`${base}/sign-in`);
    expect(reviewRunUrls(ctx, "r1")).toEqual({
      reviewRun: `${base}/api/v1/review-runs/r1`,
      reviewRunWithFindings: `${base}/api/v1/review-runs/r1?findings=all`,
      dashboard: `${base}/dashboard/review-runs/r1`,
    });
    expect(passportUrls(ctx, "p1")).toEqual({ passport: `${base}/api/v1/passports/p1`, export: `${base}/api/v1/passports/p1/export` });
    expect(checkpointUrl(ctx, "c1")).toBe(`${base}/api/v1/checkpoints/c1`);
    const remedy = { id: "m1", reviewRunId: "r1", codingAgentRunId: "a1", followUpReviewRunId: null } as RemedyRow;
    expect(remedyUrls(ctx, remedy)).toEqual({
      remedyRun: `${base}/api/v1/remedy-runs/m1`,
      reviewRun: `${base}/api/v1/review-runs/r1`,
      patch: `${base}/api/v1/remedy-runs/m1/patch`,
      codingAgentRun: `${base}/api/v1/coding-agent/runs/a1`,
      followUpReviewRun: null,
    });
    const agent = `${base}/api/v1/coding-agent/runs/a1`;
    expect(agentRunUrls(ctx, "a1")).toEqual({ run: agent, stream: `${agent}/stream`, patch: `${agent}/patch`, messages: `${agent}/messages` });
  });
}
