import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { generateKeyBytes, KEY_VARIABLE, keyringProblem } from "./keyring.ts";

export const KEY_FILE_NAME = "secrets.key";

export interface KeyFile {
  path: string;
  /** The key as written in the file (base64), parsed like the variable. */
  keyText: string;
  /** True when this call generated the file. */
  created: boolean;
  /** True when the file is readable by group or others. */
  tooOpen: boolean;
}

/**
 * The embedded default: a key generated once into the data dir, readable by the owner only.
 * Two processes starting together agree on one key: each writes a private temp file and `link`s it into place,
 * which fails for all but the first; the others read the winner's file.
 */
export function loadOrCreateKeyFile(dataDir: string): KeyFile {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, KEY_FILE_NAME);
  let created = false;
  if (!exists(path)) {
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, `${generateKeyBytes().toString("base64")}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600); // the umask must not widen it
    try {
      linkSync(temp, path);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(temp);
    }
  }
  const keyText = readFileSync(path, "utf8").trim();
  const problem = keyringProblem(keyText);
  if (problem) throw new ConfigError(`${KEY_VARIABLE}: the generated key file ${path} is damaged (${problem}); restore it from a backup or set the variable`);
  return { path, keyText, created, tooOpen: (statSync(path).mode & 0o077) !== 0 };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
