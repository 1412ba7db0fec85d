import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../src/config/index.ts";
import { createLogger } from "../src/log.ts";
import { createContext } from "../src/runtime.ts";
import { createSecretBox, SecretsError, secretAad } from "../src/secrets/index.ts";
import { loadOrCreateKeyFile } from "../src/secrets/key-file.ts";
import { generateKeyBytes, keyId, parseKeyring } from "../src/secrets/keyring.ts";
import { createBackends, type TestBackends } from "./helpers/databases.ts";
import { legName } from "./helpers/env.ts";

const base64Key = () => generateKeyBytes().toString("base64");
const hexKey = () => generateKeyBytes().toString("hex");
const aad = secretAad("webhook_endpoints", "secret", "row1");

describe("sealing and opening values", () => {
  const box = createSecretBox(parseKeyring(base64Key()));

  test("round trip; every value gets its own nonce", () => {
    const a = box.encrypt(aad, "s3cret ✓");
    const b = box.encrypt(aad, "s3cret ✓");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain("s3cret");
    expect(box.decrypt(aad, a)).toBe("s3cret ✓");
    expect(box.decrypt(aad, box.encrypt(aad, ""))).toBe("");
  });

  test("tampered ciphertext, nonce or key id fails", () => {
    const sealed = box.encrypt(aad, "value");
    const [v, id, nonce, body] = sealed.split(".");
    const flip = (s: string) => (s[5] === "A" ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`);
    expect(() => box.decrypt(aad, [v, id, nonce, flip(body)].join("."))).toThrow(SecretsError);
    expect(() => box.decrypt(aad, [v, id, flip(nonce), body].join("."))).toThrow(SecretsError);
    expect(() => box.decrypt(aad, [v, "AAAAAAAA", nonce, body].join("."))).toThrow(/not in the keyring/);
    expect(() => box.decrypt(aad, "plain text")).toThrow(/not a sealed secret/);
    expect(() => box.decrypt(aad, `v1.${id}.${nonce}.AAAA`)).toThrow(/truncated/);
  });

  test("a value moved to another row or column does not open", () => {
    const sealed = box.encrypt(aad, "value");
    expect(() => box.decrypt(secretAad("webhook_endpoints", "secret", "row2"), sealed)).toThrow(/another row/);
    expect(() => box.decrypt(secretAad("webhook_endpoints", "token", "row1"), sealed)).toThrow(SecretsError);
  });

  test("another key does not open it", () => {
    const sealed = box.encrypt(aad, "value");
    const other = createSecretBox(parseKeyring(base64Key()));
    expect(() => other.decrypt(aad, sealed)).toThrow(/not in the keyring/);
  });

  test("rotation: a new ring with the old key second opens old values and re-seals them with the new key", () => {
    const oldKey = hexKey();
    const oldBox = createSecretBox(parseKeyring(oldKey));
    const sealed = oldBox.encrypt(aad, "rotate me");
    const ring = createSecretBox(parseKeyring(`${base64Key()}, ${oldKey}`));
    expect(ring.keyIds).toHaveLength(2);
    expect(ring.decrypt(aad, sealed)).toBe("rotate me");
    expect(ring.needsRotation(sealed)).toBe(true);
    const resealed = ring.reencrypt(aad, sealed);
    expect(resealed.split(".")[1]).toBe(ring.currentKeyId);
    expect(ring.needsRotation(resealed)).toBe(false);
    expect(ring.reencrypt(aad, resealed)).toBe(resealed);
    expect(ring.decrypt(aad, resealed)).toBe("rotate me");
    expect(() => oldBox.decrypt(aad, resealed)).toThrow(SecretsError);
  });
});

describe("CRITIQUE_SECRETS_ENCRYPTION_KEY parsing", () => {
  test("base64 (44 characters), unpadded base64url and hex (64) are the same key", () => {
    const bytes = generateKeyBytes();
    const ids = [bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex"), bytes.toString("hex").toUpperCase()].map((t) => parseKeyring(t)[0].id);
    expect(new Set(ids)).toEqual(new Set([keyId(bytes)]));
  });

  test.each([
    ["short", "tooshort", /the key is not a 32-byte key/],
    ["16 bytes of base64", Buffer.alloc(16, 1).toString("base64"), /not a 32-byte key/],
    ["a bad second entry", `${base64Key()},${"z".repeat(64)}`, /entry 2 of 2 is not a 32-byte key/],
    ["an empty entry", `${base64Key()},,${base64Key()}`, /entry 2 of 3 is empty/],
  ])("%s is refused at config load with one line naming the variable", (_, value, pattern) => {
    let message = "";
    try {
      loadConfig({ CRITIQUE_SECRETS_ENCRYPTION_KEY: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CRITIQUE_SECRETS_ENCRYPTION_KEY: /);
    expect(message).toMatch(pattern);
    expect(message).not.toContain("\n");
    if (value.length > 20) expect(message).not.toContain(value.slice(0, 20));
  });
});

describe("the generated key file (embedded default)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "critique-secrets-"));
    dirs.push(dir);
    return dir;
  };

  test("is created once with mode 0600 and reused afterwards", () => {
    const dataDir = join(tempDir(), "nested", "data");
    const first = loadOrCreateKeyFile(dataDir);
    expect(first.created).toBe(true);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKeyFile(dataDir);
    expect(second.created).toBe(false);
    expect(second.keyText).toBe(first.keyText);
    expect(parseKeyring(second.keyText)).toHaveLength(1);
  });

  test("processes starting together agree on one key", async () => {
    const dataDir = tempDir();
    const script = `import { loadOrCreateKeyFile } from ${JSON.stringify(resolve(import.meta.dir, "../src/secrets/key-file.ts"))}; console.log(loadOrCreateKeyFile(process.env.KEY_DIR!).keyText);`;
    const runs = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const proc = Bun.spawn(["bun", "-e", script], { env: { ...process.env, KEY_DIR: dataDir }, stdout: "pipe", stderr: "inherit" });
        return (await new Response(proc.stdout).text()).trim();
      }),
    );
    expect(new Set(runs).size).toBe(1);
    expect(runs[0]).toBe(readFileSync(join(dataDir, "secrets.key"), "utf8").trim());
  });

  test("a damaged key file is a config error naming the file", async () => {
    const dataDir = tempDir();
    await Bun.write(join(dataDir, "secrets.key"), "not a key\n");
    expect(() => loadOrCreateKeyFile(dataDir)).toThrow(/^CRITIQUE_SECRETS_ENCRYPTION_KEY: the generated key file .*secrets\.key is damaged/);
  });
});

describe(`start-up checks the key against the database (${legName})`, () => {
  const all: TestBackends[] = [];
  afterAll(async () => {
    for (const b of all) await b.dispose();
  });
  const backends = async () => {
    const b = await createBackends();
    all.push(b);
    return b;
  };
  const start = async (env: Record<string, string>) => {
    const ctx = await createContext(loadConfig(env), createLogger("silent"));
    await ctx.database.close();
    return ctx;
  };
  const startError = (env: Record<string, string>) => start(env).then(() => "", (error: Error) => `${error.name}: ${error.message}`);

  test("without the variable a key is generated into the data dir and used on every start", async () => {
    const b = await backends();
    const first = await start(b.env);
    expect(statSync(join(b.dataDir, "secrets.key")).mode & 0o777).toBe(0o600);
    const second = await start(b.env);
    expect(second.secrets.currentKeyId).toBe(first.secrets.currentKeyId);
  });

  test("a wrong key fails start-up with one clear line; the right one, or a ring holding it, starts", async () => {
    const b = await backends();
    const original = base64Key();
    await start({ ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: original });
    const message = await startError({ ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: base64Key() });
    expect(message).toMatch(/^ConfigError: CRITIQUE_SECRETS_ENCRYPTION_KEY: cannot decrypt data encrypted by this instance \(wrong key\?/);
    expect(message).not.toContain("\n");
    expect(message).not.toContain(original.slice(0, 12));
    expect(await startError({ ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: original })).toBe("");

    // Rotation: new key first, old key after it. The canary moves to the new key, so the new key alone then works.
    const next = hexKey();
    const rotated = await start({ ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: `${next},${original}` });
    expect(rotated.secrets.currentKeyId).toBe(parseKeyring(next)[0].id);
    expect(await startError({ ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: next })).toBe("");
    expect(await startError({ ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: original })).toMatch(/cannot decrypt data encrypted by this instance/);
  });

  test("the real CLI refuses to start with a wrong key: exit 1 and one line on stderr", async () => {
    const b = await backends();
    const cli = async (key: string) => {
      const proc = Bun.spawn(["bun", "src/cli/main.ts", "migrate"], {
        cwd: resolve(import.meta.dir, ".."),
        env: { PATH: process.env.PATH ?? "", ...b.env, CRITIQUE_SECRETS_ENCRYPTION_KEY: key },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { stdout, stderr, code };
    };
    const key = base64Key();
    expect(await cli(key)).toMatchObject({ code: 0, stdout: "Migrations applied.\n", stderr: "" });
    const wrong = await cli(base64Key());
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^critique: CRITIQUE_SECRETS_ENCRYPTION_KEY: cannot decrypt data encrypted by this instance/);
    const malformed = await cli("abc");
    expect(malformed.code).toBe(1);
    expect(malformed.stderr.trim()).toMatch(/^critique: CRITIQUE_SECRETS_ENCRYPTION_KEY: the key is not a 32-byte key/);
  });
});
