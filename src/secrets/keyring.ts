import { createHash } from "node:crypto";

/** One 256-bit key of the keyring and its public fingerprint (which key sealed a value). */
export interface SecretKey {
  id: string;
  bytes: Buffer;
}

export const KEY_VARIABLE = "CRITIQUE_SECRETS_ENCRYPTION_KEY";
const KEY_BYTES = 32;

/**
 * A short, stable name for a key, stored in each sealed value so decryption picks the right key from the ring.
 * It is a hash prefix of a random 256-bit key: it identifies the key without revealing anything usable.
 */
export function keyId(bytes: Buffer): string {
  return createHash("sha256").update("critique-secrets-key-id:").update(bytes).digest("base64url").slice(0, 8);
}

/** Decodes one key: 64 hex characters, or 44 base64 (or 43 unpadded base64url) characters. */
export function decodeKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return Buffer.from(value, "base64");
  if (/^[A-Za-z0-9_-]{43}$/.test(value)) return Buffer.from(value, "base64url");
  return undefined;
}

/** Why the variable is unusable, without ever echoing key material; undefined when it is fine. */
export function keyringProblem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const entries = value.split(",").map((e) => e.trim());
  for (const [index, entry] of entries.entries()) {
    const where = entries.length > 1 ? `entry ${index + 1} of ${entries.length}` : "the key";
    if (entry === "") return `${where} is empty (expected a comma-separated list of keys, the current one first)`;
    const bytes = decodeKey(entry);
    if (!bytes || bytes.length !== KEY_BYTES) {
      return `${where} is not a 32-byte key: use 64 hex characters or 44 base64 characters (e.g. \`openssl rand -base64 32\`)`;
    }
  }
  return undefined;
}

/** Parses a keyring: the first key is current (encrypts), the others only decrypt (rotation). */
export function parseKeyring(value: string): SecretKey[] {
  const problem = keyringProblem(value);
  if (problem) throw new Error(`${KEY_VARIABLE}: ${problem}`);
  const keys: SecretKey[] = [];
  for (const entry of value.split(",")) {
    const bytes = decodeKey(entry)!;
    const id = keyId(bytes);
    if (!keys.some((k) => k.id === id)) keys.push({ id, bytes });
  }
  return keys;
}

export function generateKeyBytes(): Buffer {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}
