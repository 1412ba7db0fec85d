import { createPublicKey, verify } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import { keyIdOf } from "./signing.ts";

export interface VerifyResult {
  valid: boolean;
  reason: string;
  keyId?: string;
}

/**
 * Offline verification of an exported bundle: the file must be exactly the canonical JSON of its content (so not
 * one byte can change unnoticed), and the Ed25519 signature over the content without `signature` must verify with
 * the given public key, or, when none is given, with the key embedded in the bundle (integrity only: anyone can
 * embed a key, so pass the instance's published key to also prove where it came from).
 */
/** What the signature covers: the whole bundle but the signature value itself (so key id and key are signed too). */
export function signedBytes(bundle: Record<string, unknown>): string {
  const { value: _value, ...signatureMeta } = (bundle.signature ?? {}) as Record<string, unknown>;
  return canonicalJson({ ...bundle, signature: signatureMeta });
}

export function verifyBundle(fileText: string, trustedPublicKeyPem?: string): VerifyResult {
  let bundle: Record<string, unknown>;
  try {
    bundle = JSON.parse(fileText);
  } catch {
    return { valid: false, reason: "not valid JSON" };
  }
  if (!bundle || typeof bundle !== "object" || Array.isArray(bundle)) return { valid: false, reason: "not a bundle object" };
  if (canonicalJson(bundle) !== fileText) return { valid: false, reason: "the file is not in its signed canonical form (it was edited)" };
  const signature = bundle.signature as { algorithm?: string; keyId?: string; publicKey?: string; value?: string } | undefined;
  if (!signature?.value || !signature.keyId || signature.algorithm !== "Ed25519") return { valid: false, reason: "missing or unsupported signature" };
  // Base64 decoders ignore a final character's spare bits: insist on the one canonical spelling.
  if (Buffer.from(signature.value, "base64").toString("base64") !== signature.value) return { valid: false, reason: "the signature is not canonical base64" };
  const publicPem = trustedPublicKeyPem ?? signature.publicKey;
  if (!publicPem) return { valid: false, reason: "no public key to verify with" };
  let keyId: string;
  try {
    keyId = keyIdOf(publicPem);
  } catch {
    return { valid: false, reason: "the public key is not a valid Ed25519 key" };
  }
  if (keyId !== signature.keyId) return { valid: false, reason: `signed by ${signature.keyId}, but the public key is ${keyId}` };
  const ok = verify(null, Buffer.from(signedBytes(bundle)), createPublicKey(publicPem), Buffer.from(signature.value, "base64"));
  return ok ? { valid: true, reason: trustedPublicKeyPem ? "signature valid for the given key" : "signature valid for the embedded key (integrity only)", keyId } : { valid: false, reason: "signature does not match the content", keyId };
}
