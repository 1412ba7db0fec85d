import { and, asc, eq, lt } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import type { PeriodicTask } from "../jobs/periodic.ts";
import { toCredits } from "./amounts.ts";
import { closeReservation, type Reservation, toReservation } from "./reservations.ts";

/**
 * Holds stranded by a dead process (its lease ran out: leases.ts) are closed at what their work is known to have
 * cost: a surface that writes per-call usage rows against a hold registers a pricer for its kind of reference
 * (the part before the first ":"), e.g. the Inference API sums the `inference_usage` rows naming its block. A
 * hold with no pricer cost nothing that was recorded (a review is charged only when it ends) and is released.
 *
 * Every worker process runs this; the close is conditional (still open, lease still over), so two processes
 * reclaiming at once close a hold once, and a holder that was only slow and renewed in between keeps it.
 */
export type HoldPricer = (ctx: AppContext, reservation: Reservation) => Promise<number>;

const pricers = new WeakMap<object, Map<string, HoldPricer>>();

/** How stranded holds whose reference starts with `kind:` (or is `kind`) are priced, in micro-credits. */
export function priceStrandedHolds(ctx: AppContext, kind: string, pricer: HoldPricer): void {
  const byKind = pricers.get(ctx.jobs) ?? new Map<string, HoldPricer>();
  byKind.set(kind, pricer);
  pricers.set(ctx.jobs, byKind);
}

export interface Reclaimed {
  reservation: Reservation;
  charged: number;
}

const BATCH = 100;

/** Closes every open hold whose lease ended before now; returns what this call closed. */
export async function reclaimExpiredHolds(ctx: AppContext): Promise<Reclaimed[]> {
  const { creditReservations: r } = ctx.tables;
  const now = new Date();
  const reclaimed: Reclaimed[] = [];
  const failed = new Set<string>();
  for (;;) {
    const rows = await ctx.db
      .select()
      .from(r)
      .where(and(eq(r.status, "open"), lt(r.leaseExpiresAt, now)))
      .orderBy(asc(r.leaseExpiresAt))
      .limit(BATCH + failed.size);
    const fresh = rows.filter((row) => !failed.has(row.id));
    for (const row of fresh) {
      const reservation = toReservation(row, null);
      try {
        const outcome = await reclaimOne(ctx, reservation, now);
        if (outcome) reclaimed.push(outcome);
      } catch (error) {
        // Left open for the next round: releasing a hold whose cost is unknown could lose a charge.
        failed.add(row.id);
        ctx.log.error({ err: error, reservation: row.id, reference: row.reference }, "credits: could not reclaim a stranded hold");
      }
    }
    if (rows.length < BATCH + failed.size || fresh.length === 0) return reclaimed;
  }
}

async function reclaimOne(ctx: AppContext, reservation: Reservation, now: Date): Promise<Reclaimed | undefined> {
  const kind = (reservation.reference ?? "").split(":")[0];
  const pricer = pricers.get(ctx.jobs)?.get(kind);
  const cost = pricer ? await pricer(ctx, reservation) : 0;
  const memoPrefix = `reclaimed after its holder ${reservation.holder} stopped renewing: `;
  const closing = await closeReservation(ctx, reservation.id, cost > 0 ? "settled" : "released", cost, { leaseEndedBefore: now, memoPrefix });
  if (closing.alreadyClosed) return undefined;
  const charged = closing.reservation.charged ?? 0;
  ctx.log.warn(
    { reservation: reservation.id, reference: reservation.reference, user: reservation.userId, holder: reservation.holder, reserved: toCredits(reservation.amount), charged: toCredits(charged) },
    "credits: reclaimed a hold whose process is gone",
  );
  return { reservation: closing.reservation, charged };
}

/**
 * Runs in every worker process, as often as holders renew: a stranded hold is closed within about a lease. A plain
 * object, not definePeriodic: src/jobs registers it, and src/credits importing src/jobs back would be a cycle.
 */
export const creditReclaim: PeriodicTask = {
  kind: "periodic",
  name: "credits.reclaim",
  everyMs: (config) => config.env.CRITIQUE_CREDIT_RENEW_MS,
  run: async (ctx) => {
    await reclaimExpiredHolds(ctx);
  },
};
