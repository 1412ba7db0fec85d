import type { Command } from "commander";
import { createKey, listKeys, revokeKey } from "../auth/keys.ts";
import { DEFAULT_SCOPES, SCOPES } from "../auth/scopes.ts";
import { parseDuration } from "../duration.ts";
import { fail } from "../commands.ts";
import { withContext } from "./run.ts";

export function registerKeyCommands(program: Command) {
  const keys = program.command("keys").description("Create, list and revoke crt_ API keys");

  keys
    .command("create")
    .description("Mint a key and print it once (it is stored only as a hash)")
    .requiredOption("--name <name>", "a label for the key, e.g. the orchestrator using it")
    .option("--scopes <list>", `comma-separated scopes (${SCOPES.join(", ")})`, DEFAULT_SCOPES.join(","))
    .option("--user <user>", "the user the key acts as (created if new)", "default")
    .option("--expires-in <duration>", "expiry, e.g. 30d, 12h, 2w, 1y")
    .option("--training-opt-in", "Inference API: retain this key's prompts and completions as training data, at the discounted rate")
    .option("--models <list>", "Inference API: comma-separated model ids this key may call (default: every model)")
    .option("--rpm <n>", "Inference API: requests per minute for this key (default: unlimited)")
    .option("--json", "print JSON: {id, key, name, user, scopes, prefix, createdAt, expiresAt, trainingOptIn, allowedModels, rpmLimit, …}")
    .action((opts: { name: string; scopes: string; user: string; expiresIn?: string; trainingOptIn?: boolean; models?: string; rpm?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        let expiresAt: Date | undefined;
        if (opts.expiresIn !== undefined) {
          const ms = parseDuration(opts.expiresIn);
          if (ms === undefined) fail(`--expires-in: expected a duration like 30d, 12h, 2w or 1y, got "${opts.expiresIn}"`);
          expiresAt = new Date(Date.now() + ms);
        }
        const scopes = opts.scopes.split(",").map((s) => s.trim()).filter(Boolean);
        const rpmLimit = opts.rpm === undefined ? undefined : Number(opts.rpm);
        if (rpmLimit !== undefined && (!/^\d+$/.test(opts.rpm!) || rpmLimit < 1)) fail(`--rpm: expected a whole number of requests per minute (1 or more), got "${opts.rpm}"`);
        const allowedModels = opts.models?.split(",").map((m) => m.trim()).filter(Boolean);
        if (allowedModels?.length === 0) fail("--models: name at least one model id, or leave the option out to allow every model");
        const unconfigured = allowedModels?.filter((m) => !ctx.models.has(m)) ?? [];
        if (unconfigured.length) console.error(`warning: --models names models this server does not configure (yet): ${unconfigured.join(", ")}`);
        const created = await createKey(ctx, { name: opts.name, user: opts.user, scopes, expiresAt, trainingOptIn: opts.trainingOptIn === true, allowedModels, rpmLimit });
        if (opts.json) return console.log(JSON.stringify(created));
        console.log(created.key);
        console.error(`Created key ${created.id} "${created.name}" for user ${created.user} with scopes ${created.scopes.join(", ")}${created.expiresAt ? `, expires ${created.expiresAt}` : ""}.`);
        const limits = [created.trainingOptIn && "training opt-in", created.allowedModels && `models ${created.allowedModels.join(", ")}`, created.rpmLimit && `${created.rpmLimit} requests/min`].filter(Boolean);
        if (limits.length) console.error(`Inference: ${limits.join("; ")}.`);
        console.error("This is the only time the key is shown: store it now.");
      }),
    );

  keys
    .command("list")
    .description("List keys (never the keys themselves)")
    .option("--user <user>", "only this user's keys")
    .option("--json", "print a JSON array of {id, name, user, scopes, prefix, createdAt, lastUsedAt, expiresAt, revokedAt, trainingOptIn, allowedModels, rpmLimit}")
    .action((opts: { user?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const list = await listKeys(ctx, { user: opts.user });
        if (opts.json) return console.log(JSON.stringify(list));
        if (list.length === 0) return console.log("No keys.");
        for (const k of list) {
          const state = k.revokedAt ? "revoked" : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? "expired" : "active";
          console.log(`${k.id}  ${k.prefix}…  ${k.user}/${k.name}  [${k.scopes.join(",")}]  ${state}  last used ${k.lastUsedAt ?? "never"}`);
        }
      }),
    );

  keys
    .command("revoke")
    .description("Revoke a key; it stops working immediately")
    .argument("<id>", "the key id from `keys list`")
    .option("--json", "print the revoked key as JSON")
    .action((id: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const revoked = await revokeKey(ctx, id);
        console.log(opts.json ? JSON.stringify(revoked) : `Revoked ${revoked.id} (${revoked.user}/${revoked.name}).`);
      }),
    );
}
