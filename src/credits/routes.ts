import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { authPlugin } from "../http/auth.ts";
import { toCredits } from "./amounts.ts";
import { type LedgerEntry, listLedger } from "./ledger.ts";
import { creditsMode, getBalance } from "./service.ts";

const ledgerEntry = z.object({
  id: z.string(),
  kind: z.enum(["grant", "reserve", "settle", "release", "charge"]),
  amount: z.number().describe("Signed, in credits: negative took credits from the balance"),
  balanceAfter: z.number(),
  reservationId: z.string().nullable(),
  reference: z.string().nullable(),
  memo: z.string().nullable(),
  createdAt: z.string(),
});

const creditsResponse = z.object({
  mode: z.enum(["track", "enforce"]).describe("track: charges are recorded, nothing is refused; enforce: uncovered work is refused with 402"),
  balance: z.number().describe("Credits available now (open reservations already taken out)"),
  reserved: z.number().describe("Credits held by work in flight"),
  entries: z.array(ledgerEntry).describe("Ledger entries, newest first"),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
});

const creditsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "must be a nextCursor value from a previous page")
    .optional(),
});

export const ledgerEntryView = (e: LedgerEntry) => ({
  id: e.id,
  kind: e.kind,
  amount: toCredits(e.amount),
  balanceAfter: toCredits(e.balanceAfter),
  reservationId: e.reservationId,
  reference: e.reference,
  memo: e.memo,
  createdAt: e.createdAt.toISOString(),
});

/** The caller's own credits: balance, what is held, and the ledger that explains it. */
export const creditRoutes = (ctx: AppContext) =>
  new Elysia({ name: "credits", prefix: "/api/v1" }).use(authPlugin(ctx)).get(
    "/credits",
    async ({ principal, query }) => {
      const balance = await getBalance(ctx, principal.userId);
      const page = await listLedger(ctx, { userId: principal.userId, limit: query.limit, cursor: query.cursor });
      return {
        mode: creditsMode(ctx),
        balance: toCredits(balance.available),
        reserved: toCredits(balance.reserved),
        entries: page.entries.map(ledgerEntryView),
        nextCursor: page.nextCursor,
      };
    },
    {
      scopes: [],
      query: creditsQuery,
      response: { 200: creditsResponse },
      detail: { tags: ["Account"], summary: "The caller's credit balance and ledger (cursor-paginated)", security: [{ bearer: [] }] },
    },
  );
