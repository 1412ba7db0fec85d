import { validation } from "../errors.ts";

/**
 * Credits are stored as integer micro-credits (1 credit = 1,000,000) so sums are exact; APIs and the CLI speak
 * decimal credits with at most six decimals.
 */
export const MICRO_PER_CREDIT = 1_000_000;

/** Parses a decimal credit amount ("12", "0.5", "1.000001") into micro-credits; refuses more than 6 decimals. */
export function parseCredits(text: string, field = "amount"): number {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw validation(`${field}: expected a non-negative number of credits with at most 6 decimals, got "${text}"`);
  const micro = Number(match[1]) * MICRO_PER_CREDIT + Number((match[2] ?? "").padEnd(6, "0"));
  if (!Number.isSafeInteger(micro)) throw validation(`${field}: too large`);
  return micro;
}

/** Micro-credits to decimal credits for JSON (the division is exact to the printed digits). */
export function toCredits(micro: number): number {
  return micro / MICRO_PER_CREDIT;
}

/** Checks an amount handed to a service: an integer number of micro-credits within range. */
export function checkMicro(amount: number, field: string, { positive }: { positive: boolean }): void {
  if (!Number.isSafeInteger(amount) || amount < 0 || (positive && amount === 0)) {
    throw validation(`${field}: expected ${positive ? "a positive" : "a non-negative"} integer number of micro-credits, got ${amount}`);
  }
}
