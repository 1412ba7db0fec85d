import { LRUCache } from "lru-cache";

/**
 * Sign-in attempts per user name and per client address: after a key's limit of failures in the window, further
 * attempts are refused until it passes (a success clears the name's count). An address gets more tries than a
 * name (several people share one address behind a proxy); a name gets few (guessing one password). Per process: with several processes an attacker
 * gets `limit` tries per process and window, still far too few for a password of 12+ characters.
 */
export class SignInThrottle {
  readonly #failures = new LRUCache<string, number[]>({ max: 50_000 });

  constructor(
    private readonly limits = { name: 10, address: 100 },
    private readonly windowMs = 15 * 60_000,
  ) {}

  static keys(name: string, address: string) {
    return { name: `name:${name.toLowerCase()}`, address: `ip:${address}` };
  }

  /** Seconds to wait before the next attempt, or 0 when one is allowed. */
  retryAfter(keys: { name: string; address: string }): number {
    const now = Date.now();
    let wait = 0;
    for (const kind of ["name", "address"] as const) {
      const recent = this.#recent(keys[kind], now);
      if (recent.length >= this.limits[kind]) wait = Math.max(wait, Math.ceil((recent[0] + this.windowMs - now) / 1000));
    }
    return wait;
  }

  fail(keys: { name: string; address: string }): void {
    const now = Date.now();
    for (const key of [keys.name, keys.address]) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}
