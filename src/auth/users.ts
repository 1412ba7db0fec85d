import { eq } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import { newId } from "../ids.ts";

export interface User {
  id: string;
  name: string;
  createdAt: Date;
  passwordHash: string | null;
  isAdmin: boolean;
}

/** Returns the user with this name, creating it on first use (the CLI mints keys for new users this way). */
export async function ensureUser(ctx: AppContext, name: string): Promise<User> {
  const { users } = ctx.tables;
  await ctx.db.insert(users).values({ id: newId(), name, createdAt: new Date() }).onConflictDoNothing({ target: users.name });
  const [user] = await ctx.db.select().from(users).where(eq(users.name, name));
  return user;
}

export async function findUserByName(ctx: AppContext, name: string): Promise<User | undefined> {
  const { users } = ctx.tables;
  const [user] = await ctx.db.select().from(users).where(eq(users.name, name));
  return user;
}
