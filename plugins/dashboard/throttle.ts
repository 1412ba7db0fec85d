import { LRUCache } from "lru-cache";

/**
 * Sign-in attempts per user name and per client address: after `limit` failures in the window, further attempts
 * are refused until it passes (a success clears the name's count). Per process: with several processes an attacker
 * gets `limit` tries per process and window, still far too few for a password of 12+ characters.
 */
export class SignInThrottle {
  readonly #failures = new LRUCache<string, number[]>({ max: 50_000 });

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds to wait before the next attempt, or 0 when one is allowed. */
  retryAfter(keys: string[]): number {
    const now = Date.now();
    let wait = 0;
    for (const key of keys) {
      const recent = (this.#failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
      if (recent.length >= this.limit) wait = Math.max(wait, Math.ceil((recent[0] + this.windowMs - now) / 1000));
    }
    return wait;
  }

  fail(keys: string[]): void {
    const now = Date.now();
    for (const key of keys) this.#failures.set(key, [...(this.#failures.get(key) ?? []).filter((t) => now - t < this.windowMs), now]);
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}
