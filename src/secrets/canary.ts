import { and, eq } from "drizzle-orm";
import { ConfigError } from "../errors.ts";
import type { DatabaseHandle } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { type SecretBox, secretAad } from "./box.ts";
import { KEY_VARIABLE } from "./keyring.ts";

const CANARY_NAME = "secrets.canary";
const CANARY_TEXT = "critique secrets canary v1";
const CANARY_AAD = secretAad("instance_settings", "value", CANARY_NAME);

/**
 * Proves at start-up that the keyring opens what this instance encrypted before: the first start stores an
 * encrypted canary, every later start decrypts it. A wrong key stops start-up with one line instead of
 * surfacing later as unreadable secrets. A canary sealed with an older ring key is re-sealed with the current one.
 */
export async function verifyCanary(database: DatabaseHandle, box: SecretBox, log: Logger, keySource: string): Promise<void> {
  const { db, tables } = database;
  const { instanceSettings } = tables;
  const now = new Date();
  await db
    .insert(instanceSettings)
    .values({ name: CANARY_NAME, value: box.encrypt(CANARY_AAD, CANARY_TEXT), createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: instanceSettings.name });
  const [row] = await db.select().from(instanceSettings).where(eq(instanceSettings.name, CANARY_NAME));

  let opened: string | undefined;
  try {
    opened = box.decrypt(CANARY_AAD, row.value);
  } catch {}
  if (opened !== CANARY_TEXT) {
    const needed = row.value.split(".")[1] ?? "unknown";
    throw new ConfigError(
      `${KEY_VARIABLE}: cannot decrypt data encrypted by this instance (wrong key? it was encrypted with key id ${needed}, the ring has ${box.keyIds.join(", ")}; ${keySource}; to rotate, put the new key first and the previous key after it, comma-separated)`,
    );
  }

  if (box.needsRotation(row.value)) {
    await db
      .update(instanceSettings)
      .set({ value: box.encrypt(CANARY_AAD, CANARY_TEXT), updatedAt: new Date() })
      .where(and(eq(instanceSettings.name, CANARY_NAME), eq(instanceSettings.value, row.value)));
    log.info({ keyId: box.currentKeyId }, "secrets canary re-encrypted with the current key; keep older keys in the ring until every secret is re-encrypted");
  }
}
