import { eq } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";
import { creditsMode } from "../../../src/credits/index.ts";
import { findInstallation } from "../../../src/github/installations.ts";
import type { RunRow } from "../runs.ts";

/**
 * Who pays for reviews that GitHub events start: nobody asked through the API, so the installation's billing user
 * does (the installer, or whoever `critique installations billing` named). Paying grants no access: who may see
 * the runs stays decided by installation membership alone.
 */
export const BILLING_COMMAND = "critique installations billing --installation";

/** The billing user of the installation, or null (with a log line saying the review goes unbilled). */
export async function automaticReviewPayer(ctx: AppContext, installationId: string, runLabel: { repository: string; pullRequestNumber: number }): Promise<string | null> {
  const installation = await findInstallation(ctx, installationId);
  const payer = installation?.billingUserId ?? null;
  if (!payer && creditsMode(ctx) === "track") {
    ctx.log.info({ installationId, ...runLabel, unbilled: true }, `automatic review unbilled: installation ${installationId} has no billing user (set one with \`${BILLING_COMMAND} ${installationId} --user NAME\`)`);
  }
  return payer;
}

/** In enforce mode a GitHub-triggered run with no payer fails with this reason instead of running free. */
export function unbilledRefusal(ctx: AppContext, run: RunRow): string | undefined {
  if (run.trigger !== "github" || creditsMode(ctx) !== "enforce") return undefined;
  return `No billing user for installation ${run.installationId}: with CRITIQUE_CREDITS=enforce, reviews GitHub starts need one. Set it with \`${BILLING_COMMAND} ${run.installationId} --user NAME\`.`;
}

/** The balance refusal, naming who pays for a GitHub-triggered run and how to top them up. */
export async function explainRefusal(ctx: AppContext, run: RunRow, message: string): Promise<string> {
  if (run.trigger !== "github" || !run.userId) return message;
  const { users } = ctx.tables;
  const [user] = await ctx.db.select({ name: users.name }).from(users).where(eq(users.id, run.userId));
  const name = user?.name ?? run.userId;
  return `${message} (billing user ${name} of installation ${run.installationId}; top up with \`critique credits grant --user ${name} --amount N\`)`;
}
