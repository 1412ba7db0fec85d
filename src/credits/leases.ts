import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.ts";

/**
 * Who holds a credit reservation, and for how long. A hold made by a process (a review attempt, an inference
 * credit block) names that process (its job worker id) and carries a lease the process renews while it lives:
 * one UPDATE every CRITIQUE_CREDIT_RENEW_MS for all its open holds, however many. A process killed with holds
 * open stops renewing, and any server reclaims them once the lease is over (reclaim.ts).
 *
 * The renewal timer starts with a process's first hold, so one-shot CLI commands that never hold credits never
 * run it. State is per JobScheduler (one per context): services receive copies of the context, never the same object.
 */
interface Keeper {
  holder: string;
  timer: ReturnType<typeof setInterval>;
  renewing?: Promise<void>;
}

const keepers = new WeakMap<object, Keeper>();

export interface Lease {
  holder: string;
  leaseExpiresAt: Date;
}

/** The lease a new hold of this process gets; starts the renewals on first use. */
export function newLease(ctx: AppContext): Lease {
  const keeper = keepers.get(ctx.jobs) ?? startKeeper(ctx);
  return { holder: keeper.holder, leaseExpiresAt: new Date(Date.now() + ctx.config.env.CRITIQUE_CREDIT_LEASE_MS) };
}

/** Extends the lease of every open hold of this process: one statement, whatever their number. */
export async function renewLeases(ctx: AppContext, holder: string): Promise<void> {
  const { creditReservations: r } = ctx.tables;
  await ctx.db
    .update(r)
    .set({ leaseExpiresAt: new Date(Date.now() + ctx.config.env.CRITIQUE_CREDIT_LEASE_MS) })
    .where(and(eq(r.status, "open"), eq(r.holder, holder)));
}

function startKeeper(ctx: AppContext): Keeper {
  const keeper: Keeper = { holder: ctx.jobs.store.workerId, timer: undefined as never };
  keeper.timer = setInterval(() => {
    keeper.renewing ??= renewLeases(ctx, keeper.holder)
      .catch((error) => ctx.log.warn({ err: error, holder: keeper.holder }, "credits: could not renew the leases of this process's holds"))
      .finally(() => (keeper.renewing = undefined));
  }, ctx.config.env.CRITIQUE_CREDIT_RENEW_MS);
  // Never what keeps a process alive; and it stops with the context, after which the holds are shutdown's to close.
  keeper.timer.unref?.();
  keepers.set(ctx.jobs, keeper);
  ctx.closers.push(async () => {
    clearInterval(keeper.timer);
    await keeper.renewing;
  });
  return keeper;
}
