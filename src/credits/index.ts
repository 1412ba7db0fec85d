/** What surfaces use to charge for reviews, tokens and sandbox time. Amounts are micro-credits. */
export { MICRO_PER_CREDIT, parseCredits, toCredits } from "./amounts.ts";
export { type LedgerEntry, type LedgerPage, listLedger } from "./ledger.ts";
export { type HoldPricer, priceStrandedHolds, type Reclaimed, reclaimExpiredHolds } from "./reclaim.ts";
export { type Closing, getReservation, type Reservation, releaseReservation, settleReservation } from "./reservations.ts";
export { type Balance, chargeCredits, creditsMode, getBalance, grantCredits, type Movement, reserveCredits } from "./service.ts";
