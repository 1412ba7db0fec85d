/**
 * Installation-token cache for `@octokit/auth-app`, keyed the way auth-app keys it.
 *
 * auth-app's own cache keeps a token for 59 minutes after minting, whatever `expires_at` GitHub sent. That is
 * right for github.com's one-hour tokens, but a token that expires sooner (a server with a shorter lifetime, a
 * clock that drifted) would be used after it died, and a token used a few seconds before expiry can die in the
 * middle of a multi-call review. This cache reads `expires_at` from the entry and hands a token out only while it
 * has more than `marginMs` left; after that auth-app mints a new one, once, for all callers.
 *
 * auth-app stores `token|createdAt|expiresAt|…` strings; if that ever changes and the expiry cannot be read, the
 * entry falls back to auth-app's own rule (59 minutes after it was stored).
 */
const FALLBACK_LIFETIME_MS = 59 * 60_000;
const MAX_ENTRIES = 10_000;

export class InstallationTokenCache {
  readonly #entries = new Map<string, { value: string; usableUntil: number }>();

  constructor(
    private readonly marginMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.usableUntil) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: string): void {
    const expiresAt = Date.parse(value.split("|")[2] ?? "");
    const usableUntil = Number.isFinite(expiresAt) ? expiresAt - this.marginMs : this.now() + FALLBACK_LIFETIME_MS;
    if (this.#entries.size >= MAX_ENTRIES) this.#prune();
    this.#entries.set(key, { value, usableUntil });
  }

  /** How many tokens are held (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #prune() {
    const now = this.now();
    for (const [key, entry] of this.#entries) if (now >= entry.usableUntil) this.#entries.delete(key);
    // Still full: drop the oldest insertions; they are simply minted again when needed.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < MAX_ENTRIES) break;
      this.#entries.delete(key);
    }
  }
}
