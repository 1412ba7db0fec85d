/**
 * Token prices to micro-credits, exactly.
 *
 * Prices are credits per million tokens, and 1 credit = 1,000,000 micro-credits, so the two millions cancel:
 *   cost in micro-credits = promptTokens × inputPrice + completionTokens × outputPrice
 * That is already an integer when the prices are whole numbers. A price with decimals (0.15 credits per million)
 * can leave a fraction of a micro-credit; we never charge less than the tokens cost, so the total of one call is
 * rounded UP to the next micro-credit, once, after adding input and output (not per part). A training discount
 * (0.75 = 75% off) multiplies the sum before that rounding.
 *
 * Floats would drift (0.15 is not exact in binary), so each price and the discount are read back as the decimal
 * the YAML file spelled ("0.15" -> 15/100) and the arithmetic is done on BigInt fractions.
 */

interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

/** The decimal a JS number prints as, as an exact fraction ("1.5e-7" -> 15/10^8). */
export function decimalFraction(value: number): Fraction {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a non-negative finite number: ${value}`);
  const [mantissa, exponentText] = String(value).toLowerCase().split("e");
  const [whole, fraction = ""] = mantissa.split(".");
  const scale = fraction.length - Number(exponentText ?? 0);
  const digits = BigInt(whole + fraction);
  return scale >= 0 ? { numerator: digits, denominator: 10n ** BigInt(scale) } : { numerator: digits * 10n ** BigInt(-scale), denominator: 1n };
}

export interface TokenPrices {
  inputPricePerMillion: number;
  outputPricePerMillion: number;
  /** Fraction taken off for keys that opted in to training retention. */
  trainingDiscount: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A model's prices as exact fractions, computed once per prices object (costs are computed twice per call). */
interface ExactPrices {
  /** cost × denominator = promptTokens × input + completionTokens × output */
  input: bigint;
  output: bigint;
  denominator: bigint;
  discount: Fraction | null;
}
const exact = new WeakMap<TokenPrices, ExactPrices>();

function exactPrices(prices: TokenPrices): ExactPrices {
  let found = exact.get(prices);
  if (!found) {
    const input = decimalFraction(prices.inputPricePerMillion);
    const output = decimalFraction(prices.outputPricePerMillion);
    // a/b + c/d = (a·d + c·b) / (b·d)
    found = {
      input: input.numerator * output.denominator,
      output: output.numerator * input.denominator,
      denominator: input.denominator * output.denominator,
      discount: prices.trainingDiscount > 0 ? decimalFraction(prices.trainingDiscount) : null,
    };
    exact.set(prices, found);
  }
  return found;
}

/** Cost of one call in whole micro-credits, rounded up (see the top of this file). */
export function tokenCostMicro(prices: TokenPrices, usage: TokenUsage, options: { trainingOptIn?: boolean } = {}): number {
  checkCount("promptTokens", usage.promptTokens);
  checkCount("completionTokens", usage.completionTokens);
  const { input, output, denominator: base, discount } = exactPrices(prices);
  let numerator = BigInt(usage.promptTokens) * input + BigInt(usage.completionTokens) * output;
  let denominator = base;
  if (options.trainingOptIn && discount) {
    numerator *= discount.denominator - discount.numerator;
    denominator *= discount.denominator;
  }
  const micro = (numerator + denominator - 1n) / denominator;
  if (micro > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("cost is too large to represent");
  return Number(micro);
}

function checkCount(name: string, count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`${name} must be a non-negative integer, got ${count}`);
}
