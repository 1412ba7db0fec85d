import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.ts";

/**
 * Credentials a user hands the server to use on their behalf (their OpenRouter key for BYOK model billing).
 * Sealed with the secrets box, bound to (user, name); never returned: callers see the last four characters.
 */
export type CredentialName = "openrouter";

export interface CredentialInfo {
  name: CredentialName;
  hint: string;
  createdAt: string;
  updatedAt: string;
}

const aad = (userId: string, name: string) => `user_credentials.value.${userId}:${name}`;

export async function storeCredential(ctx: AppContext, userId: string, name: CredentialName, value: string): Promise<CredentialInfo> {
  const t = ctx.tables.userCredentials;
  const now = new Date();
  const sealed = ctx.secrets.encrypt(aad(userId, name), value);
  const hint = value.slice(-4);
  await ctx.db
    .insert(t)
    .values({ userId, name, value: sealed, hint, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [t.userId, t.name], set: { value: sealed, hint, updatedAt: now } });
  return (await credentialInfo(ctx, userId, name))!;
}

export async function credentialInfo(ctx: AppContext, userId: string, name: CredentialName): Promise<CredentialInfo | undefined> {
  const t = ctx.tables.userCredentials;
  const [row] = await ctx.db.select().from(t).where(and(eq(t.userId, userId), eq(t.name, name)));
  return row && { name, hint: `…${row.hint}`, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** The plain value, for the one place that sends it upstream. */
export async function openCredential(ctx: AppContext, userId: string, name: string): Promise<string | undefined> {
  const t = ctx.tables.userCredentials;
  const [row] = await ctx.db.select().from(t).where(and(eq(t.userId, userId), eq(t.name, name)));
  return row && ctx.secrets.decrypt(aad(userId, name), row.value);
}

export async function deleteCredential(ctx: AppContext, userId: string, name: CredentialName): Promise<boolean> {
  const t = ctx.tables.userCredentials;
  const rows = await ctx.db
    .delete(t)
    .where(and(eq(t.userId, userId), eq(t.name, name)))
    .returning({ name: t.name });
  return rows.length > 0;
}
