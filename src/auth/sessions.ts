import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { AppContext, Principal } from "../context.ts";
import { AppError } from "../errors.ts";
import { DEFAULT_SCOPES } from "./scopes.ts";

/**
 * Dashboard sessions: a random token in an HttpOnly cookie, its hash in the database (revocable, expiring). The
 * same cookie authenticates `/api/v1` routes with the user's rights; every state-changing request made with it must
 * carry the session's CSRF token (a form field, or the X-CSRF-Token header for scripts).
 */
export const SESSION_COOKIE = "critique_session";
/** A session lasts at most this long, and ends sooner after this much inactivity. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
export const SESSION_IDLE_MS = 24 * 60 * 60_000;
const TOUCH_EVERY_MS = 60_000;

const token = () => randomBytes(32).toString("base64url");
const idOf = (raw: string) => createHash("sha256").update(raw).digest("hex");

export type SessionRow = typeof import("../../db/sqlite.ts").sessions.$inferSelect;
export interface ActiveSession {
  session: SessionRow;
  user: { id: string; name: string; isAdmin: boolean };
}

export async function createSession(ctx: AppContext, userId: string, userAgent: string | null): Promise<{ token: string; session: SessionRow }> {
  const raw = token();
  const now = new Date();
  const [session] = await ctx.db
    .insert(ctx.tables.sessions)
    .values({ id: idOf(raw), userId, csrfToken: token(), userAgent: userAgent?.slice(0, 300) ?? null, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_MS) })
    .returning();
  return { token: raw, session };
}

/** The live session a cookie names (not revoked, not expired, not idle too long), touched at most once a minute. */
export async function findSession(ctx: AppContext, raw: string | undefined): Promise<ActiveSession | undefined> {
  if (!raw || raw.length > 100) return undefined;
  const { sessions: s, users: u } = ctx.tables;
  const now = Date.now();
  const [row] = await ctx.db
    .select({ session: s, user: { id: u.id, name: u.name, isAdmin: u.isAdmin } })
    .from(s)
    .innerJoin(u, eq(u.id, s.userId))
    .where(and(eq(s.id, idOf(raw)), isNull(s.revokedAt), gt(s.expiresAt, new Date(now)), gt(s.lastSeenAt, new Date(now - SESSION_IDLE_MS))));
  if (!row) return undefined;
  if (now - row.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await ctx.db.update(s).set({ lastSeenAt: new Date(now) }).where(eq(s.id, row.session.id));
  return row;
}

export async function revokeSession(ctx: AppContext, sessionId: string): Promise<void> {
  const s = ctx.tables.sessions;
  await ctx.db.update(s).set({ revokedAt: new Date() }).where(and(eq(s.id, sessionId), isNull(s.revokedAt)));
}

/** Every session of a user ends (a password reset signs them out everywhere). */
export async function revokeUserSessions(ctx: AppContext, userId: string): Promise<void> {
  const s = ctx.tables.sessions;
  await ctx.db.update(s).set({ revokedAt: new Date() }).where(and(eq(s.userId, userId), isNull(s.revokedAt)));
}

export function sessionCookieOf(request: Request): string | undefined {
  const header = request.headers.get("cookie");
  return header ? (new Bun.CookieMap(header).get(SESSION_COOKIE) ?? undefined) : undefined;
}

export function csrfMatches(session: SessionRow, sent: string | null | undefined): boolean {
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The principal of a request signed in with the session cookie: the user's rights (every scope but `inference`,
 * which needs a key of its own for usage records; `admin` for admins). State-changing methods need the CSRF token.
 */
export async function sessionPrincipal(ctx: AppContext, request: Request): Promise<Principal | undefined> {
  const active = await findSession(ctx, sessionCookieOf(request));
  if (!active) return undefined;
  if (!SAFE_METHODS.has(request.method) && !csrfMatches(active.session, request.headers.get("x-csrf-token"))) {
    throw new AppError("FORBIDDEN", "CSRF token missing or invalid: requests signed in with the session cookie must send the page's X-CSRF-Token");
  }
  return principalOf(active);
}

export function principalOf(active: ActiveSession): Principal {
  const scopes: string[] = DEFAULT_SCOPES.filter((s) => s !== "inference");
  if (active.user.isAdmin) scopes.push("admin");
  return { userId: active.user.id, userName: active.user.name, keyId: `session:${active.session.id.slice(0, 16)}`, scopes };
}
