/**
 * API key format: `crt_` + 32 random base62 characters + 6 base62 characters of CRC-32 over the random part.
 * The checksum lets us refuse a mistyped or truncated key before any database lookup (and lets secret
 * scanners recognise ours), as GitHub does for its tokens.
 */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const KEY_PREFIX = "crt_";
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function toBase62(value: number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function checksum(body: string): string {
  return toBase62(Bun.hash.crc32(body) >>> 0, CHECKSUM_LENGTH);
}

export function generateKey(): string {
  // Rejection sampling keeps every character uniformly distributed.
  const chars: string[] = [];
  while (chars.length < RANDOM_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(48))) {
      if (byte < 248 && chars.length < RANDOM_LENGTH) chars.push(ALPHABET[byte % 62]);
    }
  }
  const body = chars.join("");
  return `${KEY_PREFIX}${body}${checksum(body)}`;
}

export function isWellFormedKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  const body = key.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_LENGTH);
  return key.endsWith(checksum(body));
}

export function hashKey(key: string): string {
  return Bun.SHA256.hash(key, "hex");
}

/** What listings show: enough to tell keys apart, far too little to use. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 8);
}
