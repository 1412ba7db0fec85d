import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { eq, like } from "drizzle-orm";
import type { AppContext } from "../../../src/context.ts";

/**
 * The instance's Ed25519 passport signing keys, in instance_settings: the private key sealed with the secrets box,
 * the public key in the clear. Rotation adds a new current key and keeps the old ones (retired) so bundles they
 * signed still verify.
 */
const PREFIX = "passport.signing-key.";
const CURRENT = "passport.signing-key-current";

interface StoredKey {
  keyId: string;
  publicKey: string;
  privateKey: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface PublicSigningKey {
  keyId: string;
  algorithm: "Ed25519";
  publicKey: string;
  createdAt: string;
  retiredAt: string | null;
  current: boolean;
}

export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return `ed25519:${new Bun.CryptoHasher("sha256").update(der).digest("hex").slice(0, 16)}`;
}

async function readKeys(ctx: AppContext): Promise<{ keys: StoredKey[]; current: string | undefined }> {
  const t = ctx.tables.instanceSettings;
  const rows = await ctx.db.select().from(t).where(like(t.name, `${PREFIX}%`));
  const [current] = await ctx.db.select().from(t).where(eq(t.name, CURRENT));
  return { keys: rows.map((r) => JSON.parse(r.value) as StoredKey), current: current?.value };
}

/** Generates a new key and makes it current (the first call on a fresh instance creates the first key). */
export async function rotateSigningKey(ctx: AppContext): Promise<PublicSigningKey> {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const keyId = keyIdOf(publicPem);
  const now = new Date();
  const sealed = await ctx.secrets.encrypt(`instance_settings.value.${PREFIX}${keyId}`, privateKey.export({ type: "pkcs8", format: "pem" }).toString());
  const t = ctx.tables.instanceSettings;
  const { keys, current } = await readKeys(ctx);
  await ctx.database.transaction(async (tx) => {
    if (current) {
      const old = keys.find((k) => k.keyId === current);
      if (old) await tx.update(t).set({ value: JSON.stringify({ ...old, retiredAt: now.toISOString() }), updatedAt: now }).where(eq(t.name, `${PREFIX}${current}`));
    }
    const stored: StoredKey = { keyId, publicKey: publicPem, privateKey: sealed, createdAt: now.toISOString(), retiredAt: null };
    await tx.insert(t).values({ name: `${PREFIX}${keyId}`, value: JSON.stringify(stored), createdAt: now, updatedAt: now });
    await tx.insert(t).values({ name: CURRENT, value: keyId, createdAt: now, updatedAt: now }).onConflictDoUpdate({ target: t.name, set: { value: keyId, updatedAt: now } });
  });
  return { keyId, algorithm: "Ed25519", publicKey: publicPem, createdAt: now.toISOString(), retiredAt: null, current: true };
}

export async function publicSigningKeys(ctx: AppContext): Promise<PublicSigningKey[]> {
  let { keys, current } = await readKeys(ctx);
  if (!current) {
    await rotateSigningKey(ctx);
    ({ keys, current } = await readKeys(ctx));
  }
  return keys
    .map((k) => ({ keyId: k.keyId, algorithm: "Ed25519" as const, publicKey: k.publicKey, createdAt: k.createdAt, retiredAt: k.retiredAt, current: k.keyId === current }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** The current key (created on first use). */
export async function currentSigningKey(ctx: AppContext): Promise<PublicSigningKey> {
  return (await publicSigningKeys(ctx)).find((k) => k.current)!;
}

/** Signs with the current key; returns the signature, base64. */
export async function signWithCurrentKey(ctx: AppContext, bytes: string): Promise<string> {
  const { keys, current } = await readKeys(ctx);
  const key = keys.find((k) => k.keyId === current);
  if (!key) throw new Error("no current passport signing key");
  const privatePem = await ctx.secrets.decrypt(`instance_settings.value.${PREFIX}${key.keyId}`, key.privateKey);
  return sign(null, Buffer.from(bytes), createPrivateKey(privatePem)).toString("base64");
}
