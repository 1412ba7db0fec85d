import { z } from "zod";
import { BUNDLE_FORMAT, exportPassportBundle } from "../../merge-gate/passports/export.ts";
import { listPassportsQuery, passportDetail, passportObject } from "../../merge-gate/passports/routes.ts";
import { listPassports, passportWithTimeline } from "../../merge-gate/passports/views.ts";
import { renderPassport, renderPassportList } from "../render.ts";
import { defineTool, documented } from "../tool.ts";

const passportId = z.string().min(1).max(100);

export const listPassportsTool = defineTool({
  name: "list_passports",
  title: "List change passports",
  description:
    "The change passport queue: one governed record per pull request (verdict, risk, checkpoint and merge-policy outcome), most recently changed first, filterable; page with nextCursor.",
  scope: "read:passports",
  input: documented(listPassportsQuery.shape, {
    repository: "Only passports of this repository (owner/repo)",
    policyOutcome: "Only passports whose latest merge-policy outcome is this",
    riskBand: "Only passports in this risk band",
    updatedSince: "Only passports changed at or after this ISO 8601 date-time",
    limit: "Page size, 1 to 100 (default 20)",
    cursor: "nextCursor from the previous page",
  }),
  output: z.object({ passports: z.array(passportObject), nextCursor: z.string().nullable() }),
  readOnly: true,
  async run(ctx, input) {
    const page = await listPassports(ctx, input);
    return { structured: page, text: [renderPassportList(page.passports, page.nextCursor)] };
  },
});

export const getPassportTool = defineTool({
  name: "get_passport",
  title: "Get a change passport with its timeline",
  description: "A change passport with its timeline of snapshots, the review runs, checkpoints and merge-policy evaluations of its pull request.",
  scope: "read:passports",
  input: documented({ passportId }, { passportId: "passportId from list_passports, or changePassportId from a review run" }),
  output: z.object({ passport: passportDetail }),
  readOnly: true,
  async run(ctx, input) {
    const passport = await passportWithTimeline(ctx, input.passportId);
    return { structured: { passport }, text: [renderPassport(passport)] };
  },
});

export const exportPassportTool = defineTool({
  name: "export_passport",
  title: "Export a signed passport bundle",
  description:
    "The compliance bundle of a passport (passport, snapshots, review runs with findings, checkpoints, policy evaluations), signed with Ed25519. The second text block is the exact signed canonical JSON: save it byte for byte and verify offline with `critique passport verify FILE --public-key KEY.pem`.",
  scope: "read:passports",
  input: documented({ passportId }, { passportId: "passportId from list_passports, or changePassportId from a review run" }),
  output: z.looseObject({
    format: z.literal(BUNDLE_FORMAT),
    passport: passportObject,
    signature: z.object({ algorithm: z.literal("Ed25519"), keyId: z.string(), publicKey: z.string(), value: z.string() }),
  }),
  readOnly: true,
  async run(ctx, input) {
    const bundle = await exportPassportBundle(ctx, input.passportId);
    const parsed = JSON.parse(bundle);
    const p = parsed.passport;
    const summary = `Signed bundle (${BUNDLE_FORMAT}, Ed25519 key ${parsed.signature.keyId}) for ${p.repository}#${p.pullRequestNumber}: ${parsed.reviewRuns.length} review run(s), ${parsed.snapshots.length} snapshot(s). The next block is the exact signed JSON.`;
    return { structured: parsed, text: [summary, bundle] };
  },
});
