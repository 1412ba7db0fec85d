import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { fail, type WithContext } from "../../../src/commands.ts";
import { rotateSigningKey } from "./signing.ts";
import { verifyBundle } from "./verify.ts";

/** `critique passport verify FILE` (offline, no database) and `critique passport rotate-key`. */
export function registerPassportCommands(program: Command, withContext: WithContext) {
  const passport = program.command("passport").description("Change passport bundles: verify exports offline, rotate the signing key");

  passport
    .command("verify")
    .description("Check a bundle from GET /api/v1/passports/{id}/export; exits 1 if a single byte was changed")
    .argument("<file>", "the exported bundle")
    .option("--public-key <file>", "the instance's public key (PEM, from GET /api/v1/passports/signing-key); without it only integrity is checked")
    .option("--json", "print the result as JSON")
    .action((file: string, opts: { publicKey?: string; json?: boolean }) => {
      let text: string;
      let key: string | undefined;
      try {
        text = readFileSync(file, "utf8");
        key = opts.publicKey ? readFileSync(opts.publicKey, "utf8") : undefined;
      } catch (error) {
        fail((error as Error).message);
      }
      const result = verifyBundle(text, key);
      if (opts.json) console.log(JSON.stringify(result));
      else console.log(`${result.valid ? "valid" : "INVALID"}: ${result.reason}${result.keyId ? ` (${result.keyId})` : ""}`);
      process.exit(result.valid ? 0 : 1);
    });

  passport
    .command("rotate-key")
    .description("Create a new signing key; earlier keys stay published (retired) so old bundles still verify")
    .option("--json", "print the new public key as JSON")
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const key = await rotateSigningKey(ctx);
        console.log(opts.json ? JSON.stringify(key) : `New signing key ${key.keyId}:\n${key.publicKey}`);
      }),
    );
}
