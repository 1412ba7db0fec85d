import { describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign } from "node:crypto";
import { canonicalJson } from "../../plugins/merge-gate/passports/canonical.ts";
import { keyIdOf } from "../../plugins/merge-gate/passports/signing.ts";
import { signedBytes, verifyBundle } from "../../plugins/merge-gate/passports/verify.ts";

function signedBundle() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const content = { format: "critique.passport-bundle/v1", passport: { passportId: "p1", verdict: "FAIL", riskScore: 78 }, snapshots: [{ sequence: 1, kind: "review", state: { title: "Ünïcode ✓" } }] };
  const unsigned = { ...content, signature: { algorithm: "Ed25519", keyId: keyIdOf(publicPem), publicKey: publicPem } };
  const value = sign(null, Buffer.from(signedBytes(unsigned)), privateKey).toString("base64");
  return { publicPem, text: canonicalJson({ ...unsigned, signature: { ...unsigned.signature, value } }) };
}

describe("passport bundle verification", () => {
  test("canonical JSON sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: null, e: "x" }], c: undefined } })).toBe('{"a":{"d":[2,{"e":"x","f":null}]},"b":1}');
  });

  test("a genuine bundle verifies, with the embedded key and with the published one", () => {
    const { text, publicPem } = signedBundle();
    expect(verifyBundle(text)).toMatchObject({ valid: true, reason: expect.stringContaining("integrity only") });
    expect(verifyBundle(text, publicPem)).toMatchObject({ valid: true, reason: "signature valid for the given key" });
  });

  test("changing any single byte makes it invalid", () => {
    const { text, publicPem } = signedBundle();
    const bytes = Buffer.from(text);
    // Every position, a byte that differs: content, keys, whitespace, signature, key id, public key.
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i] === 0x41 ? 0x42 : 0x41;
      const result = verifyBundle(copy.toString("utf8"), publicPem);
      if (result.valid) throw new Error(`byte ${i} (${String.fromCharCode(bytes[i])}) changed and the bundle still verified`);
    }
    expect(verifyBundle(`${text}\n`, publicPem).valid).toBe(false);
  });

  test("a bundle re-signed with another key fails against the published key", () => {
    const genuine = signedBundle();
    const forged = signedBundle();
    expect(verifyBundle(forged.text).valid).toBe(true);
    expect(verifyBundle(forged.text, genuine.publicPem)).toMatchObject({ valid: false, reason: expect.stringContaining("signed by") });
  });
});
