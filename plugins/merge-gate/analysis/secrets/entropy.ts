/** Shannon entropy in bits per character (0 for the empty string). */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** How many of lower case, upper case, digits and other characters the value uses. */
export function charClasses(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

const HEX = /^[0-9a-f]+$/i;
export const isHex = (value: string) => HEX.test(value);

/**
 * Whether a value assigned to a secret-like name is random enough to be a credential (the detect-secrets idea:
 * keyword + entropy). Hex is judged against hex's ceiling of 4 bits; everything else needs 3.5 bits (gitleaks'
 * generic floor), relaxed for short values whose ceiling is log2(length), and at least two character classes.
 */
export function looksRandom(value: string): boolean {
  const n = value.length;
  if (n < 12) return false;
  const h = shannonEntropy(value);
  if (isHex(value)) return n >= 20 && h >= 3.0 && /[0-9]/.test(value) && /[a-f]/i.test(value);
  const classes = charClasses(value);
  if (classes < 2 || !/[0-9+/=!@#$%^&*_~.-]/.test(value)) return false; // letters only: a word or an identifier
  if (n < 16) return classes >= 3 && h >= Math.log2(n) - 0.45;
  return h >= 3.5;
}

/**
 * A rule's entropy floor, capped by what a random value of this length and alphabet reaches: a random 16-character
 * or hex value cannot be held to a floor set for long base64 ones (its entropy can be no more than log2 of either).
 */
export function meetsEntropy(value: string, floor: number | undefined): boolean {
  if (floor === undefined) return true;
  const alphabet = /^[0-9]+$/.test(value) ? 10 : isHex(value) ? 16 : 64;
  return shannonEntropy(value) >= Math.min(floor, Math.log2(Math.min(value.length, alphabet)) - 1.2);
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function base62(n: number, width: number): string {
  let out = "";
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, "0");
}

/**
 * GitHub's and npm's token checksum: the last 6 characters are the CRC32 of the random part (after the
 * `xxx_` prefix), in base62 (github.blog, "Behind GitHub's new authentication token formats", 2021).
 */
export function hasBase62Crc32(token: string, prefixLength: number): boolean {
  const body = token.slice(prefixLength, -6);
  return body.length > 0 && base62(Bun.hash.crc32(body), 6) === token.slice(-6);
}

/** Decodes standard or URL-safe base64 leniently; null when it is not base64. */
export function decodeBase64(value: string): Uint8Array | null {
  const clean = value.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Decoded base64 as text when it is printable (tab, newline and ASCII 32–126 only). */
export function base64Text(value: string): string | null {
  const bytes = decodeBase64(value);
  if (!bytes || bytes.length === 0) return null;
  for (const b of bytes) if (b !== 9 && b !== 10 && b !== 13 && (b < 32 || b > 126)) return null;
  return new TextDecoder().decode(bytes);
}
