import { describe, expect, test } from "bun:test";
import { type ChangedFile, fromGitHubEntry } from "../../plugins/merge-gate/analysis/diff.ts";
import { findSecrets, maskedHint, scanAddedLinesForSecrets } from "../../plugins/merge-gate/analysis/secrets.ts";
import { base62, hasBase62Crc32, looksRandom, shannonEntropy } from "../../plugins/merge-gate/analysis/secrets/entropy.ts";
import { isSecretName } from "../../plugins/merge-gate/analysis/secrets/generic.ts";
import { KeywordIndex } from "../../plugins/merge-gate/analysis/secrets/keywords.ts";
import { WINDOW } from "../../plugins/merge-gate/analysis/secrets/engine.ts";
import { findingSnippets } from "../../plugins/merge-gate/pipeline/snippets.ts";

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
let state = 99;
const rand = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};
const an = (n: number) => Array.from({ length: n }, () => B62[Math.floor(rand() * 62)]).join("");
/** A GitHub token with a valid CRC32 checksum, built at run time. */
const ghp = () => {
  const body = an(30);
  return `ghp_${body}${base62(Bun.hash.crc32(body), 6)}`;
};
const stripe = () => `sk_live_${an(40)}`;

function added(path: string, lines: string[], from = 1): ChangedFile {
  return fromGitHubEntry({ filename: path, status: "added", additions: lines.length, deletions: 0, patch: `@@ -0,0 +${from},${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}` });
}
const ids = (text: string, path = "config/app.env") => findSecrets(text, path).map((m) => m.rule.id);

describe("linear time on hostile input", () => {
  const shapes: [string, string][] = [
    ["random base64", Array.from({ length: 100_000 }, () => `${B62}+/`[Math.floor(rand() * 64)]).join("")],
    ["one repeated letter", "A".repeat(100_000)],
    ["assignments without end", "a=".repeat(50_000)],
    ["secret-like names, no values", "password=".repeat(11_200)],
    ["open quotes", 'token: "'.repeat(12_500)],
    ["URL prefixes", "https://a:b".repeat(9_100)],
    ["PEM headers", "-----BEGIN RSA PRIVATE KEY-----".repeat(3_200)],
    ["JWT starts", "eyJ.eyJ.".repeat(12_500)],
    ["prefixes", "ghp_xoxb-AKIAsk_live_glpat-".repeat(3_700)],
    ["digits and colons", "1234567890:AA".repeat(7_700)],
    ["minified JS", `var a={k:"${an(10)}",b:[1,2,3],c:function(x){return x+1}};`.repeat(1_700)],
    ["unquoted assignments in code", `password=${an(18)} `.repeat(3_700)],
    ["strings full of assignments", `"a":"password=${an(16)};token=${an(16)}",`.repeat(2_200)],
    ["credentials in URLs", `postgres://u:${an(12)}@h.io/ `.repeat(3_300)],
    ["bearer headers", `Bearer ${an(24)} `.repeat(3_200)],
  ];
  for (const [name, line] of shapes) {
    test(`a 100 KB single line (${name}) is scanned in well under a second`, () => {
      expect(line.length).toBeGreaterThanOrEqual(99_000);
      const started = performance.now();
      findSecrets(line, "dist/bundle.min.js");
      expect(performance.now() - started).toBeLessThan(500);
    });
  }

  test("a secret deep inside a long line is found at its column; one astride a window edge is found once", () => {
    const token = ghp();
    const filler = `${"x = 1; ".repeat(3000)}`;
    const deep = `${filler}const t = "${token}";`;
    const [m] = findSecrets(deep, "src/big.js");
    expect(m.rule.id).toBe("github-pat");
    expect(deep.slice(m.index, m.endIndex)).toBe(token);
    for (const at of [WINDOW / 2 - 20, WINDOW - 10, WINDOW + WINDOW / 2 - 3]) {
      const line = `${"y".repeat(at)} ${token} ${"z".repeat(20_000)}`;
      const found = findSecrets(line, "src/big.js");
      expect(found.map((f) => [f.rule.id, f.index])).toEqual([["github-pat", at + 1]]);
    }
  });
});

describe("one finding per secret", () => {
  test("rules that overlap on one value report it once, by the most specific rule", () => {
    const token = ghp();
    expect(ids(`Authorization: Bearer ${token}`)).toEqual(["github-pat"]);
    expect(ids(`GITHUB_TOKEN=${token}`)).toEqual(["github-pat"]);
    expect(ids(`https://x-access-token:${token}@github.com/acme/app.git`)).toEqual(["github-pat"]);
    expect(ids(`DATADOG_API_KEY=${stripe()}`)).toEqual(["stripe-secret-key"]);
  });

  test("the same secret twice in a file is one finding; two secrets on one line are two, with their own fingerprints", async () => {
    const [a, b] = [ghp(), ghp()];
    const [twice] = [await scanAddedLinesForSecrets([added("src/a.ts", [`const a = "${a}";`, "", `const again = "${a}";`])])];
    expect(twice.map((f) => f.startLine)).toEqual([1]);
    const pair = await scanAddedLinesForSecrets([added("src/b.ts", [`const tokens = ["${a}", "${b}"];`])]);
    expect(pair).toHaveLength(2);
    expect(new Set(pair.map((f) => f.fingerprint)).size).toBe(2);
  });

  test("the fingerprint follows the secret: same when its line moves or is reworded, different for another secret or file", async () => {
    const token = ghp();
    const [first] = await scanAddedLinesForSecrets([added("src/c.ts", [`const t = "${token}";`])]);
    const [movedDown] = await scanAddedLinesForSecrets([added("src/c.ts", ["// a new header", "", `const t = "${token}";`], 40)]);
    const [reworded] = await scanAddedLinesForSecrets([added("src/c.ts", [`export const githubToken = "${token}"; // TODO move to env`])]);
    const [other] = await scanAddedLinesForSecrets([added("src/c.ts", [`const t = "${ghp()}";`])]);
    const [elsewhere] = await scanAddedLinesForSecrets([added("src/d.ts", [`const t = "${token}";`])]);
    expect(movedDown.startLine).toBe(42);
    expect(movedDown.fingerprint).toBe(first.fingerprint);
    expect(reworded.fingerprint).toBe(first.fingerprint);
    expect(other.fingerprint).not.toBe(first.fingerprint);
    expect(elsewhere.fingerprint).not.toBe(first.fingerprint);
  });
});

describe("findings say what, never the secret", () => {
  test("a masked hint of the same length, capped for long keys", () => {
    expect(maskedHint("abcdef")).toBe("******");
    expect(maskedHint("k".repeat(900))).toBe(`${"*".repeat(64)}… (900 characters)`);
  });

  test("a GitHub token with a valid checksum says so; one without still fails the gate", async () => {
    const good = ghp();
    const bad = `${good.slice(0, -1)}${good.at(-1) === "A" ? "B" : "A"}`;
    expect(hasBase62Crc32(good, 4)).toBe(true);
    expect(hasBase62Crc32(bad, 4)).toBe(false);
    const [g] = await scanAddedLinesForSecrets([added("src/e.ts", [`const t = "${good}";`])]);
    const [b] = await scanAddedLinesForSecrets([added("src/f.ts", [`const t = "${bad}";`])]);
    expect(g.summary).toContain("checksum is valid");
    expect(b.summary).not.toContain("checksum");
    expect(b.severity).toBe("FAIL");
    for (const f of [g, b]) expect(`${f.title} ${f.summary}`).not.toContain(good.slice(4, 20));
  });

  test("a secret in a format the old scanner missed is masked in stored snippets too", async () => {
    const key = stripe();
    const file = added("src/pay.ts", ["import Stripe from 'stripe';", `const stripe = new Stripe("${key}");`, "export default stripe;"]);
    const [finding] = await scanAddedLinesForSecrets([file]);
    expect(finding.rule).toBe("secret:stripe");
    const [snippet, around] = await findingSnippets([finding, { filePath: "src/pay.ts", startLine: 1, endLine: 3, rule: "model-rule" }], [file]);
    expect(snippet).toBe(`const stripe = new Stripe("${"*".repeat(key.length)}");`);
    expect(around).toContain("*".repeat(key.length));
    expect(around).not.toContain(key.slice(8, 24));
  });
});

describe("where a value counts", () => {
  test("an unquoted value in code is an expression; in configuration it is the value", () => {
    const value = `Xk2${an(20)}9q`;
    expect(ids(`DB_PASSWORD=${value}`, "deploy/.env")).toEqual(["generic-secret"]);
    expect(ids(`db_password: ${value}`, "config/db.yml")).toEqual(["generic-secret"]);
    expect(ids(`dbPassword = ${value}`, "src/db.ts")).toEqual([]);
    expect(ids(`dbPassword = "${value}"`, "src/db.ts")).toEqual(["generic-secret"]);
    expect(ids(`const url = "Server=db;Password=${value};"`, "src/db.ts")).toEqual(["generic-secret"]);
  });

  test("secret-like names, and names that only mention one", () => {
    for (const name of ["password", "DB_PASSWORD", "apiKey", "X-Api-Key", "client_secret", "githubToken", "secret_key_base", "_auth", "mysql_pwd", "AUTH_TOKEN", "signingKey"]) expect([name, isSecretName(name)]).toEqual([name, true]);
    for (const name of ["tokenUrl", "password_field", "api_key_id", "publicKey", "cacheKey", "sortKey", "csrf_token", "tokenizer", "passthrough", "keyboard", "monkey", "author", "key", "secretName"]) expect([name, isSecretName(name)]).toEqual([name, false]);
  });

  test("entropy: random values pass, words and repeats do not", () => {
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(looksRandom(an(32))).toBe(true);
    expect(looksRandom("correcthorsebatterystaple")).toBe(false);
    expect(looksRandom("Password1")).toBe(false);
    expect(looksRandom("0".repeat(40))).toBe(false);
  });

  test("a key split over lines is one finding from its header to its footer; a lone header is nothing", async () => {
    const body = Array.from({ length: 6 }, () => an(64));
    const file = added("deploy/id_ed25519", ["-----BEGIN OPENSSH PRIVATE KEY-----", ...body, "-----END OPENSSH PRIVATE KEY-----"]);
    const [key] = await scanAddedLinesForSecrets([file]);
    expect(key).toMatchObject({ rule: "secret:privatekey", startLine: 1, endLine: 8 });
    expect(await scanAddedLinesForSecrets([added("src/pem.ts", ['const HEADER = "-----BEGIN PRIVATE KEY-----";', "const x = 1;"])])).toEqual([]);
  });
});

describe("keyword index", () => {
  test("finds every keyword a line holds, overlapping ones included, once each", () => {
    const index = new KeywordIndex(["ghp_", "hp_", "akia", "key", "ke"]);
    const seen = new Uint8Array(index.keywords.length);
    const found = (text: string) => index.find(text.toLowerCase(), seen).map((i) => index.keywords[i]).sort();
    expect(found("x = 'GHP_abc' // key key")).toEqual(["ghp_", "hp_", "ke", "key"]);
    expect(found("AKIA…akia")).toEqual(["akia"]);
    expect(found("ké y")).toEqual([]);
    expect(() => new KeywordIndex(["contraseña"])).toThrow("not ASCII");
  });
});

describe("key files the diff cannot show", () => {
  const binary = (filename: string, status = "added"): ChangedFile => fromGitHubEntry({ filename, status, additions: 0, deletions: 0 });

  test("an added keystore or private-key file without a patch is one FAIL finding, by name, with no line", async () => {
    for (const [path, kind] of [["certs/server.p12", "PKCS#12 keystore"], ["android/release.jks", "Java keystore"], ["deploy/id_ed25519", "SSH private key"], ["keys/box.ppk", "PuTTY private key"]]) {
      const [finding, ...rest] = await scanAddedLinesForSecrets([binary(path)]);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ severity: "FAIL", rule: "secret:key-file", filePath: path, startLine: null, endLine: null, title: `Private key material committed (${kind})` });
    }
  });

  test("public keys, certificates, removed keystores and ordinary binaries stay quiet", async () => {
    const quiet = [binary("deploy/id_ed25519.pub"), binary("certs/ca.crt"), binary("certs/old.p12", "removed"), binary("assets/logo.png"), binary("docs/keystore-howto.pdf")];
    expect(await scanAddedLinesForSecrets(quiet)).toEqual([]);
  });
});
