import { and, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AppContext, Principal } from "../context.ts";
import { AppError } from "../errors.ts";

export interface RepositoryRef {
  installationId: string;
  /** As GitHub spells it. */
  fullName: string;
  key: string;
}

const notOnInstallation = (fullName: string) => new AppError("NOT_FOUND", `Repository ${fullName} is not on an installation of the GitHub App that you control`);

/**
 * Finds the installation a repository is on: from what installation webhooks told us, else by asking GitHub
 * (`GET /repos/{owner}/{repo}/installation`) and remembering the answer.
 */
export async function resolveRepository(ctx: AppContext, fullName: string): Promise<RepositoryRef> {
  const { githubRepositories, githubInstallations } = ctx.tables;
  const key = fullName.toLowerCase();
  const [known] = await ctx.db
    .select({ installationId: githubRepositories.installationId, fullName: githubRepositories.fullName })
    .from(githubRepositories)
    .innerJoin(githubInstallations, eq(githubInstallations.id, githubRepositories.installationId))
    .where(and(eq(githubRepositories.key, key), isNull(githubInstallations.deletedAt), isNull(githubInstallations.suspendedAt)));
  if (known) return { ...known, key };
  if (!ctx.github) throw new AppError("NOT_FOUND", `Repository ${fullName} is not on a known installation (no GitHub App is configured)`);
  const [owner, repo] = fullName.split("/");
  const found = await ctx.github.findRepositoryInstallation(owner, repo).catch((error) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") throw notOnInstallation(fullName);
    throw error;
  });
  const installationId = String(found.id);
  const account = found.account && "login" in found.account ? found.account : undefined;
  await upsertInstallation(ctx, { id: installationId, accountLogin: account?.login ?? owner, accountType: account?.type ?? null });
  await upsertRepositories(ctx, installationId, [fullName]);
  return { installationId, fullName, key };
}

export async function upsertInstallation(ctx: AppContext, input: { id: string; accountLogin: string; accountType: string | null; suspended?: boolean }) {
  const now = new Date();
  const { githubInstallations: t } = ctx.tables;
  const suspendedAt = input.suspended ? now : null;
  await ctx.db
    .insert(t)
    .values({ id: input.id, accountLogin: input.accountLogin, accountType: input.accountType, suspendedAt, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: t.id, set: { accountLogin: input.accountLogin, accountType: input.accountType, suspendedAt, deletedAt: null, updatedAt: now } });
}

export async function upsertRepositories(ctx: AppContext, installationId: string, fullNames: string[]) {
  const now = new Date();
  const { githubRepositories: t } = ctx.tables;
  for (const fullName of fullNames) {
    await ctx.db
      .insert(t)
      .values({ key: fullName.toLowerCase(), fullName, installationId, updatedAt: now })
      .onConflictDoUpdate({ target: t.key, set: { fullName, installationId, updatedAt: now } });
  }
}

export async function removeRepositories(ctx: AppContext, installationId: string, fullNames: string[]) {
  const { githubRepositories: t } = ctx.tables;
  for (const fullName of fullNames) await ctx.db.delete(t).where(and(eq(t.key, fullName.toLowerCase()), eq(t.installationId, installationId)));
}

export async function markInstallationDeleted(ctx: AppContext, installationId: string) {
  const { githubInstallations: t } = ctx.tables;
  await ctx.db.update(t).set({ deletedAt: new Date(), updatedAt: new Date() }).where(eq(t.id, installationId));
}

/** Admin keys see every installation; other users see the installations they were granted. */
export async function canSeeInstallation(ctx: AppContext, principal: Principal, installationId: string): Promise<boolean> {
  if (principal.scopes.includes("admin")) return true;
  const { installationMembers: t } = ctx.tables;
  const [row] = await ctx.db.select({ id: t.installationId }).from(t).where(and(eq(t.installationId, installationId), eq(t.userId, principal.userId)));
  return Boolean(row);
}

/**
 * A where-clause that keeps listings to the principal's installations: undefined for admins (everything), null when
 * the principal controls no installation at all (the listing is empty without a query).
 */
export async function visibleInstallationFilter(ctx: AppContext, principal: Principal, column: SQLiteColumn): Promise<SQL | undefined | null> {
  if (principal.scopes.includes("admin")) return undefined;
  const { installationMembers: t } = ctx.tables;
  const ids = (await ctx.db.select({ id: t.installationId }).from(t).where(eq(t.userId, principal.userId))).map((r) => r.id);
  return ids.length ? inArray(column, ids) : null;
}

/** The repository, if the principal may act on it; otherwise the same 404 as an unknown repository. */
export async function resolveVisibleRepository(ctx: AppContext, principal: Principal, fullName: string): Promise<RepositoryRef> {
  const repository = await resolveRepository(ctx, fullName);
  if (!(await canSeeInstallation(ctx, principal, repository.installationId))) throw notOnInstallation(fullName);
  return repository;
}

export async function grantInstallation(ctx: AppContext, installationId: string, userId: string) {
  const { installationMembers: t } = ctx.tables;
  await ctx.db.insert(t).values({ installationId, userId, createdAt: new Date() }).onConflictDoNothing();
}

export async function revokeInstallation(ctx: AppContext, installationId: string, userId: string) {
  const { installationMembers: t } = ctx.tables;
  await ctx.db.delete(t).where(and(eq(t.installationId, installationId), eq(t.userId, userId)));
}

/** The installation's row, if GitHub or a review ever told us about it. */
export async function findInstallation(ctx: AppContext, installationId: string) {
  const { githubInstallations: t } = ctx.tables;
  const [row] = await ctx.db.select().from(t).where(eq(t.id, installationId));
  return row;
}

/**
 * Sets who pays for the reviews GitHub events start on this installation. `onlyIfUnset` is the installer's
 * default: it never overrides a billing user an operator chose.
 */
export async function setBillingUser(ctx: AppContext, installationId: string, userId: string, options: { onlyIfUnset?: boolean } = {}) {
  const { githubInstallations: t } = ctx.tables;
  const where = options.onlyIfUnset ? and(eq(t.id, installationId), isNull(t.billingUserId)) : eq(t.id, installationId);
  const updated = await ctx.db.update(t).set({ billingUserId: userId, updatedAt: new Date() }).where(where).returning({ id: t.id });
  return updated.length > 0;
}
