import type { AppContext } from "../../src/context.ts";
import { publishLifecycleEvent } from "../webhooks/index.ts";
import type { CheckpointRow } from "./checkpoints/service.ts";
import { checkpointUrl, passportUrls } from "./links.ts";
import type { PassportRow, SnapshotRow } from "./passports/service.ts";
import type { PolicyEvaluationRow } from "./policy/service.ts";

/**
 * Lifecycle events of change control: `checkpoint.gate.evaluated`, `merge_policy.evaluated` and
 * `passport.snapshot.created`. Same envelope as `review.run.*` (event, timestamp, id, object, installationId,
 * repository, pullRequest, changePassportId, urls). Publishing only records deliveries and never throws: a webhook
 * problem must not fail the gate.
 */
async function publish(ctx: AppContext, input: Parameters<typeof publishLifecycleEvent>[1]) {
  try {
    await publishLifecycleEvent(ctx, input);
  } catch (error) {
    ctx.log.error({ err: error, event: input.event }, "could not queue a lifecycle event");
  }
}

export function announceCheckpoint(ctx: AppContext, row: CheckpointRow) {
  return publish(ctx, {
    event: "checkpoint.gate.evaluated",
    installationId: row.installationId,
    repository: row.repository,
    occurrence: row.id,
    payload: {
      event: "checkpoint.gate.evaluated",
      timestamp: (row.completedAt ?? row.createdAt).toISOString(),
      id: row.id,
      object: "checkpoint",
      outcome: row.outcome,
      installationId: row.installationId,
      repository: row.repository,
      pullRequest: { number: row.pullRequestNumber, headSha: row.headSha },
      changePassportId: row.changePassportId,
      rules: row.rules ?? [],
      urls: { checkpoint: checkpointUrl(ctx, row.id), ...(row.changePassportId ? passportUrls(ctx, row.changePassportId) : {}) },
    },
  });
}

export function announcePolicy(ctx: AppContext, passport: PassportRow, evaluation: PolicyEvaluationRow) {
  return publish(ctx, {
    event: "merge_policy.evaluated",
    installationId: passport.installationId,
    repository: passport.repository,
    occurrence: evaluation.id,
    payload: {
      event: "merge_policy.evaluated",
      timestamp: evaluation.createdAt.toISOString(),
      id: evaluation.id,
      object: "merge_policy.evaluation",
      outcome: evaluation.outcome,
      reasons: evaluation.reasons,
      installationId: passport.installationId,
      repository: passport.repository,
      pullRequest: { number: passport.pullRequestNumber, headSha: evaluation.headSha },
      changePassportId: passport.id,
      reviewRunId: evaluation.reviewRunId,
      checkpointId: evaluation.checkpointId,
      urls: passportUrls(ctx, passport.id),
    },
  });
}

export function announceSnapshot(ctx: AppContext, passport: PassportRow, snapshot: SnapshotRow) {
  return publish(ctx, {
    event: "passport.snapshot.created",
    installationId: passport.installationId,
    repository: passport.repository,
    occurrence: snapshot.id,
    payload: {
      event: "passport.snapshot.created",
      timestamp: snapshot.createdAt.toISOString(),
      id: snapshot.id,
      object: "passport.snapshot",
      sequence: snapshot.sequence,
      kind: snapshot.kind,
      refId: snapshot.refId,
      installationId: passport.installationId,
      repository: passport.repository,
      pullRequest: { number: passport.pullRequestNumber, headSha: snapshot.headSha },
      changePassportId: passport.id,
      state: snapshot.state,
      urls: passportUrls(ctx, passport.id),
    },
  });
}
