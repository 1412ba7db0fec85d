import { eq } from "drizzle-orm";
import type { AppContext, ServiceContext } from "../../../src/context.ts";
import type { RemedyRow } from "./store.ts";

/**
 * The remedy acts for the user who queued it: the fix run is theirs (they see it, its stream, its patch) and is
 * paid from their credits. Built from the stored user, since jobs have no request to take a principal from.
 */
export async function asOwner(ctx: AppContext, remedy: RemedyRow): Promise<ServiceContext> {
  const u = ctx.tables.users;
  const [user] = await ctx.db.select().from(u).where(eq(u.id, remedy.userId));
  return { ...ctx, principal: { userId: remedy.userId, userName: user?.name ?? remedy.userId, keyId: `remedy:${remedy.id}`, scopes: ["read:builder", "write:builder"] } };
}
