import { eq, sql } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { priceStrandedHolds } from "../../src/credits/index.ts";

/**
 * A credit block whose process died before settling it (src/credits/reclaim.ts) is settled at what its calls'
 * usage rows say they cost: those rows are the calls that were answered and recorded. Calls still in flight, or
 * answered but not yet written, when the process died are lost with it; blocks settle only after their rows are
 * written (usage-log.ts `written`), so a reclaimed block charges what its settlement would have.
 */
export function priceStrandedBlocks(ctx: AppContext): void {
  priceStrandedHolds(ctx, "inference", async (ctx, reservation) => {
    const u = ctx.tables.inferenceUsage;
    const [row] = await ctx.db
      .select({ total: sql<string | number | null>`sum(${u.cost})` })
      .from(u)
      .where(eq(u.reservationId, reservation.id));
    return Number(row?.total ?? 0);
  });
}
