import { eq, isNotNull } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { ensureUser } from "./users.ts";

/** Passwords of dashboard users: argon2id (Bun.password, memory-hard), never stored or logged in clear. */
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1_024;

function checkStrength(password: string) {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AppError("VALIDATION", `password: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new AppError("VALIDATION", `password: at most ${MAX_PASSWORD_LENGTH} characters`);
}

const hash = (password: string) => Bun.password.hash(password, { algorithm: "argon2id", memoryCost: 19_456, timeCost: 2 });

/** Sets a user's password (creating the user if new); `admin` makes them a dashboard admin. */
export async function setPassword(ctx: AppContext, input: { name: string; password: string; admin?: boolean }) {
  checkStrength(input.password);
  const user = await ensureUser(ctx, input.name);
  const { users } = ctx.tables;
  const [updated] = await ctx.db
    .update(users)
    .set({ passwordHash: await hash(input.password), ...(input.admin === undefined ? {} : { isAdmin: input.admin }) })
    .where(eq(users.id, user.id))
    .returning();
  return updated;
}

// Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
let decoy: Promise<string> | undefined;

/** The user if the name and password match; undefined otherwise (same time either way). */
export async function verifyPassword(ctx: AppContext, name: string, password: string) {
  const { users } = ctx.tables;
  const [user] = await ctx.db.select().from(users).where(eq(users.name, name));
  if (!user?.passwordHash || password.length > MAX_PASSWORD_LENGTH) {
    decoy ??= hash(crypto.randomUUID());
    await Bun.password.verify(password.slice(0, MAX_PASSWORD_LENGTH), await decoy);
    return undefined;
  }
  return (await Bun.password.verify(password, user.passwordHash)) ? user : undefined;
}

/** Whether anyone can sign in to the dashboard yet (the first start says how to create the first admin). */
export async function hasDashboardUsers(ctx: AppContext): Promise<boolean> {
  const { users } = ctx.tables;
  const [one] = await ctx.db.select({ id: users.id }).from(users).where(isNotNull(users.passwordHash)).limit(1);
  return Boolean(one);
}
