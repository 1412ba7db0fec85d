/**
 * Key material a diff cannot show: binary keystores and private-key files GitHub sends without a patch. Their
 * name is the evidence (gitleaks' `pkcs12-file` rule works the same way). Public keys (`.pub`) and certificates
 * are not key material; PEM text files are scanned by their content instead.
 */
const KEY_FILES: { pattern: RegExp; name: string }[] = [
  { pattern: /\.(p12|pfx)$/i, name: "PKCS#12 keystore" },
  { pattern: /\.(jks|keystore|bks)$/i, name: "Java keystore" },
  { pattern: /\.ppk$/i, name: "PuTTY private key" },
  { pattern: /(^|\/)id_(rsa|dsa|ecdsa|ed25519)$/i, name: "SSH private key" },
  { pattern: /\.(gpg|pgp)$/i, name: "encrypted or PGP key file" },
];

export function keyFileKind(path: string): string | undefined {
  return KEY_FILES.find((k) => k.pattern.test(path))?.name;
}
