/**
 * One circuit breaker per upstream target (provider + upstream model), in this process. After `failures`
 * consecutive failures the target is skipped for `cooldownMs`; then exactly one trial request is let through:
 * success closes the circuit, failure opens it for another cooldown. State is per process on purpose: it reflects
 * what this process sees of its own network path, and costs nothing on the hot path.
 */
export type BreakerState = "closed" | "open" | "half-open";

interface Circuit {
  consecutiveFailures: number;
  openedAt: number;
  trialInFlight: boolean;
}

export class Breakers {
  readonly #circuits = new Map<string, Circuit>();

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  state(target: string): BreakerState {
    const circuit = this.#circuits.get(target);
    if (!circuit || circuit.consecutiveFailures < this.failures) return "closed";
    return this.now() - circuit.openedAt >= this.cooldownMs ? "half-open" : "open";
  }

  /** Whether a request may go to this target now; in half-open state only the first caller gets the trial. */
  tryAcquire(target: string): boolean {
    const state = this.state(target);
    if (state === "closed") return true;
    if (state === "open") return false;
    const circuit = this.#circuits.get(target)!;
    if (circuit.trialInFlight) return false;
    circuit.trialInFlight = true;
    return true;
  }

  /** Milliseconds until an open target may be tried again (0 when it may be tried now). */
  retryInMs(target: string): number {
    const circuit = this.#circuits.get(target);
    if (!circuit || this.state(target) !== "open") return 0;
    return Math.max(0, this.cooldownMs - (this.now() - circuit.openedAt));
  }

  success(target: string): void {
    if (this.#circuits.has(target)) this.#circuits.delete(target);
  }

  failure(target: string): void {
    const circuit = this.#circuits.get(target) ?? { consecutiveFailures: 0, openedAt: 0, trialInFlight: false };
    circuit.consecutiveFailures++;
    circuit.trialInFlight = false;
    if (circuit.consecutiveFailures >= this.failures) circuit.openedAt = this.now();
    this.#circuits.set(target, circuit);
  }

  /** A trial that ended without a verdict (the client left): let the next request try. */
  abandon(target: string): void {
    const circuit = this.#circuits.get(target);
    if (circuit) circuit.trialInFlight = false;
  }
}
