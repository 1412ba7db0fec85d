/** Browser sessions of the dashboard: server-side, revocable, expiring. */
import type { ColumnKit } from "./columns.ts";

export function defineSessionTables(k: ColumnKit, core: { users: { id: any } }) {
  const { users } = core;

  const sessions = k.table(
    "sessions",
    {
      /** SHA-256 of the cookie's token, hex: the token itself is never stored. */
      id: k.text("id").primaryKey(),
      userId: k.text("user_id").notNull().references(() => users.id),
      /** Sent back with every state-changing request made with the cookie (form field or X-CSRF-Token header). */
      csrfToken: k.text("csrf_token").notNull(),
      userAgent: k.text("user_agent"),
      createdAt: k.timestamp("created_at").notNull(),
      lastSeenAt: k.timestamp("last_seen_at").notNull(),
      expiresAt: k.timestamp("expires_at").notNull(),
      revokedAt: k.timestamp("revoked_at"),
    },
    (t) => [k.index("sessions_user_idx").on(t.userId)],
  );

  return { sessions };
}
