import { z } from "zod";
import { findUserByName } from "../../../src/auth/users.ts";
import type { AppContext } from "../../../src/context.ts";
import { defineJob } from "../../../src/jobs/define.ts";
import { grantInstallation, markInstallationDeleted, removeRepositories, setBillingUser, upsertInstallation, upsertRepositories } from "../../../src/github/installations.ts";
import { handlePullRequestEvent } from "./automatic-review.ts";

export const HANDLED_EVENTS = ["pull_request", "installation", "installation_repositories"];

interface Account {
  login: string;
  type?: string;
}
interface InstallationPayload {
  action: string;
  installation: { id: number; account?: Account | null; suspended_at?: string | null };
  sender?: Account;
  repositories?: { full_name: string }[];
  repositories_added?: { full_name: string }[];
  repositories_removed?: { full_name: string }[];
}

/** Handles one GitHub delivery. Idempotent: replaying a delivery leaves the same state. */
export const githubEventJob = defineJob({
  name: "github.event",
  payload: z.object({ deliveryId: z.string(), event: z.string(), payload: z.any() }),
  timeoutMs: 60_000,
  maxAttempts: 5,
  run: async (ctx, { event, payload }) => {
    if (event === "pull_request") return handlePullRequestEvent(ctx, payload);
    if (event === "installation" || event === "installation_repositories") return syncInstallation(ctx, payload as InstallationPayload);
    return { ignored: event };
  },
});

/** Keeps installations and their repositories current, so reviews know where a repository lives. */
async function syncInstallation(ctx: AppContext, payload: InstallationPayload) {
  const id = String(payload.installation.id);
  if (payload.action === "deleted") {
    await markInstallationDeleted(ctx, id);
    return { installation: id, action: "deleted" };
  }
  await upsertInstallation(ctx, {
    id,
    accountLogin: payload.installation.account?.login ?? "unknown",
    accountType: payload.installation.account?.type ?? null,
    suspended: payload.action === "suspend" || (Boolean(payload.installation.suspended_at) && payload.action !== "unsuspend"),
  });
  const added = [...(payload.repositories ?? []), ...(payload.repositories_added ?? [])].map((r) => r.full_name);
  await upsertRepositories(ctx, id, added);
  await removeRepositories(ctx, id, (payload.repositories_removed ?? []).map((r) => r.full_name));
  // Whoever installed the App controls it: when their GitHub login is also a Critique user name, grant them access
  // and bill them for its automatic reviews (unless an operator already chose someone else).
  if (payload.action === "created" && payload.sender?.login) {
    const user = await findUserByName(ctx, payload.sender.login);
    if (user) {
      await grantInstallation(ctx, id, user.id);
      await setBillingUser(ctx, id, user.id, { onlyIfUnset: true });
    }
  }
  return { installation: id, action: payload.action, repositories: added.length };
}
