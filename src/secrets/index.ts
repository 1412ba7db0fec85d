import type { Config } from "../config/index.ts";
import { ConfigError } from "../errors.ts";
import type { DatabaseHandle } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { createSecretBox, type SecretBox } from "./box.ts";
import { verifyCanary } from "./canary.ts";
import { loadOrCreateKeyFile } from "./key-file.ts";
import { KEY_VARIABLE, parseKeyring } from "./keyring.ts";

export { createSecretBox, type SecretBox, SecretsError, secretAad } from "./box.ts";

/**
 * The secrets box for this process: keyring from CRITIQUE_SECRETS_ENCRYPTION_KEY, or the key generated once into
 * the data dir (embedded default), checked against the database's canary before anything else runs.
 */
export async function openSecrets(config: Config, database: DatabaseHandle, log: Logger): Promise<SecretBox> {
  const variable = config.env.CRITIQUE_SECRETS_ENCRYPTION_KEY;
  let box: SecretBox;
  let keySource: string;
  if (variable) {
    try {
      box = createSecretBox(parseKeyring(variable));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    keySource = "keyring from the variable";
  } else {
    const file = loadOrCreateKeyFile(config.dataDir);
    box = createSecretBox(parseKeyring(file.keyText));
    keySource = `the variable is unset, so the key came from ${file.path}`;
    warnAboutKeyFile(config, log, file);
  }
  await verifyCanary(database, box, log, keySource);
  return box;
}

function warnAboutKeyFile(config: Config, log: Logger, file: ReturnType<typeof loadOrCreateKeyFile>) {
  if (file.created) {
    log.warn({ path: file.path }, `${KEY_VARIABLE} is not set: generated a secrets key into the data dir. Back this file up; losing it makes encrypted data unreadable. In production set ${KEY_VARIABLE}.`);
  }
  if (file.tooOpen) log.warn({ path: file.path }, "the secrets key file is readable by other users: chmod 600 it");
  if (config.database.dialect === "postgres") {
    // Every start, not just the first: other instances sharing this database cannot read this machine's file.
    log.warn(
      { path: file.path },
      `${KEY_VARIABLE} is not set while using PostgreSQL: the secrets key lives only in this machine's data dir. Every instance sharing the database needs the same key: set ${KEY_VARIABLE} (see README).`,
    );
  }
}
