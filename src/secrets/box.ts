import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretKey } from "./keyring.ts";

/**
 * Secrets at rest: AES-256-GCM, a fresh 96-bit nonce per value, and the value's place in the database
 * (`table.column.rowId`) bound as associated data, so a sealed value copied to another row or column fails.
 * Sealed format (self-describing, versioned): `v1.<keyId>.<nonce>.<ciphertext+tag>`, parts base64url.
 */
const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A value that cannot be opened: tampered, sealed for another row, or by a key that is not in the ring. */
export class SecretsError extends Error {
  override name = "SecretsError";
}

export interface SecretBox {
  /** The key id new values are sealed with. */
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  encrypt(aad: string, plaintext: string): string;
  decrypt(aad: string, sealed: string): string;
  /** True when the value was sealed with an older key of the ring and should be re-encrypted. */
  needsRotation(sealed: string): boolean;
  /** Opens and re-seals with the current key (returns the input when it already uses it). */
  reencrypt(aad: string, sealed: string): string;
}

/** Associated data for a value stored in `table.column` of the row `rowId`. */
export function secretAad(table: string, column: string, rowId: string): string {
  return `${table}.${column}.${rowId}`;
}

function parseSealed(sealed: string) {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p))) {
    throw new SecretsError("not a sealed secret (expected v1.<keyId>.<nonce>.<ciphertext>)");
  }
  const nonce = Buffer.from(parts[2], "base64url");
  const body = Buffer.from(parts[3], "base64url");
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new SecretsError("sealed secret is truncated");
  return { keyId: parts[1], nonce, ciphertext: body.subarray(0, body.length - TAG_BYTES), tag: body.subarray(body.length - TAG_BYTES) };
}

/** The version is authenticated too, so a value cannot be replayed under a future format. */
const boundAad = (aad: string) => Buffer.from(`${VERSION}:${aad}`, "utf8");

export function createSecretBox(keys: readonly SecretKey[]): SecretBox {
  if (keys.length === 0) throw new Error("a keyring needs at least one key");
  const current = keys[0];
  const byId = new Map(keys.map((k) => [k.id, k]));

  const encrypt = (aad: string, plaintext: string) => {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", current.bytes, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(boundAad(aad));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, current.id, nonce.toString("base64url"), body.toString("base64url")].join(".");
  };

  const decrypt = (aad: string, sealed: string) => {
    const parts = parseSealed(sealed);
    const key = byId.get(parts.keyId);
    if (!key) throw new SecretsError(`sealed with key ${parts.keyId}, which is not in the keyring (${[...byId.keys()].join(", ")})`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.bytes, parts.nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(boundAad(aad));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretsError(`cannot decrypt (key ${parts.keyId}): the value was tampered with, belongs to another row, or the key is wrong`);
    }
  };

  const needsRotation = (sealed: string) => parseSealed(sealed).keyId !== current.id;

  return {
    currentKeyId: current.id,
    keyIds: keys.map((k) => k.id),
    encrypt,
    decrypt,
    needsRotation,
    reencrypt: (aad, sealed) => (needsRotation(sealed) ? encrypt(aad, decrypt(aad, sealed)) : sealed),
  };
}
