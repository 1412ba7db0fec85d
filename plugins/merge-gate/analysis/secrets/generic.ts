/**
 * The generic rule: a high-entropy value assigned to a secret-like name (detect-secrets' keyword plugin combined
 * with its entropy plugins; gitleaks' generic-api-key works the same way). Both halves are judged here, plus the
 * look-alikes that must stay quiet whichever rule sees them: environment reads, placeholders, redactions,
 * integrity hashes, UUIDs, data URLs, colours, paths and config lookups.
 */
import { base64Text, looksRandom } from "./entropy.ts";

/** Lower-case words of an identifier: `dbPassword`, `DB_PASSWORD`, `db-password`, `db.password` → db, password. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Words that name a secret wherever they stand (a compound that ends in one counts too: `githubtoken`). */
const STRONG = ["password", "passwd", "passphrase", "secret", "token", "credential", "credentials", "creds", "apikey", "privatekey", "secretkey", "accesskey", "authkey", "contrasena", "passwort", "senha"];
const STRONG_SUFFIXES = ["password", "passwd", "secret", "token", "apikey", "secretkey", "privatekey", "accesskey"];
/** Words that name a secret only as the last word: `db_pass`, `http_auth`, `mysql_pwd`. */
const LAST_ONLY = new Set(["pass", "pwd", "auth", "pat", "psk"]);
/** `…_key` is a secret only after one of these (a cache key, a sort key or a React key is not). */
const KEY_QUALIFIERS = new Set([
  "api", "access", "secret", "private", "priv", "auth", "signing", "sign", "encryption", "encrypt", "crypt", "crypto", "cipher", "master", "app", "application",
  "service", "account", "client", "license", "licence", "subscription", "consumer", "admin", "root", "shared", "hmac", "jwt", "session", "webhook", "server",
  "write", "deploy", "ssh", "gpg", "pgp", "rsa", "aes", "decryption", "integration", "developer", "dev", "prod", "production", "live", "management", "partner",
  "merchant", "sdk", "rest", "bot", "personal", "ingest", "ingestion", "upload", "push", "storage", "instrumentation", "mgmt",
]);
/** A last word that makes the name about the secret rather than the secret itself: `tokenUrl`, `password_field`. */
const NEGATIVE_LAST = new Set([
  "id", "ids", "name", "names", "type", "types", "length", "len", "size", "count", "url", "urls", "uri", "endpoint", "path", "paths", "file",
  "files", "dir", "field", "fields", "label", "prefix", "suffix", "header", "headers", "policy", "policies", "version", "format", "mode", "env",
  "var", "vars", "ttl", "expiry", "expires", "expiration", "expired", "timeout", "required", "enabled", "enable", "disabled", "placeholder", "hint",
  "regex", "regexp", "pattern", "schema", "param", "params", "column", "kind", "input", "hash", "hashed", "digest", "algorithm", "alg", "alias",
  "ref", "location", "region", "scope", "scopes", "strategy", "provider", "manager", "generator", "validator", "verifier", "factory", "handler",
  "helper", "attr", "attribute", "index", "idx", "min", "max", "limit", "rotation", "reset", "changed", "updated", "created", "at", "on", "by", "is",
  "has", "should", "use", "used", "show", "visible", "strength", "error", "errors", "message", "msg", "text", "title", "description", "desc", "help",
  "tooltip", "color", "colour", "style", "class", "icon", "key", "lifetime", "status", "state", "store", "source", "sources", "target",
  "option", "options", "config", "settings", "module", "mock", "stub", "fixture", "test", "example", "sample", "template", "selector", "button",
  "link", "form", "view", "page", "route", "router", "component", "cookie", "storage", "request", "response", "result", "callback", "fn", "func",
  "function", "method", "command", "cmd", "script", "query", "cursor", "offset", "next", "previous",
]);
/** Words that make every name public by design: a public key, Stripe's publishable key, a public token. */
const PUBLIC = new Set(["public", "pub", "publishable", "csrf", "xsrf", "nonce"]);

/** Whether an assignment's name says the value is a credential. */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0) return false;
  if (words.some((w) => PUBLIC.has(w))) return false;
  const last = words[words.length - 1];
  if (LAST_ONLY.has(last) && (words.length > 1 || name.startsWith("_"))) return true; // `_auth`, `_password`: .npmrc
  if (last === "key") return words.length > 1 && KEY_QUALIFIERS.has(words[words.length - 2]);
  if (NEGATIVE_LAST.has(last)) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (STRONG.includes(w) || STRONG_SUFFIXES.some((s) => w.length > s.length && w.endsWith(s))) return true;
    if (w === "key" && i > 0 && KEY_QUALIFIERS.has(words[i - 1])) return true;
  }
  return false;
}

/** Whether a provider-keyed name is about something other than the value itself (`SENTRY_DSN_URL`, `HEROKU_APP_ID`). */
export function isNegativeName(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  return words.some((w) => PUBLIC.has(w)) || (last !== "key" && NEGATIVE_LAST.has(last));
}

/** Words a placeholder spells out. Short ones must stand apart (`my-fake-key`), or random values would hit them by chance. */
const PLACEHOLDER_WORDS =
  /(?:example|placeholder|redacted|changeme|change[_-]me|replace[_-]?(?:me|with|this)|your[_-]?(?:own|api|key|token|secret|password|pass)|<[^>]*>|dummy|sample|lorem|insert|\*{3}|•{3}|\.\.\.|…|not[_-]?(?:a[_-]?)?real|secret|password|passwd|apikey|api[_-]key|private[_-]?key|(?:^|[^a-z])(?:test(?:ing)?|mock|fake|todo|fixme|token|here)(?:[^a-z]|$))/i;

/** Values that refer to a secret rather than contain one, or that are obviously not one. */
const NOT_A_VALUE = [
  /^\$\{?[A-Za-z_][\w.:-]*\}?$/, // $VAR, ${VAR}, ${VAR:-default}
  /^\$\{\{.*\}\}$/, // ${{ secrets.X }}
  /^\{\{.*\}\}$/, // {{ .Values.x }}
  /^%[A-Za-z_][\w.]*%$/, // %VAR%
  /^#\{.*\}$/, // #{ruby}
  /^\$\(/, // $(command)
  /\$\{|\{\{|#\{/, // any interpolation
  /^(?:process\.env|os\.environ|os\.getenv|import\.meta\.env|Deno\.env|Bun\.env|System\.getenv|ENV\[|env\(|getenv\()/,
  /^(?:vault|ssm|secretsmanager|sm|arn|aws-sm|gcp-sm|azure-kv|op|keychain|file|env|ref):/i, // secret references
  /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/, // paths
  /^[a-z][a-z0-9+.-]*:\/\//i, // URLs (credentials in URLs have their own rule)
  /^data:/i, // data URLs
  /^#[0-9a-fA-F]{3,8}$/, // colours
  /^(?:sha(?:1|224|256|384|512)|md5)[-:]/i, // integrity hashes, digests
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, // UUIDs
  /^\d{4}-\d\d-\d\d(?:[T ][\d:.]+Z?)?$/, // dates
  /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/, // bcrypt hashes (a hash, not the password)
  /^\$argon2/, // argon2 hashes
  /^ENC\[/, // SOPS-encrypted values
  /^\$ANSIBLE_VAULT/, // Ansible Vault
  /^pk(?:_live_|_test_|\.eyJ)/, // publishable keys, public by design (Stripe, Mapbox)
  /^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+(?:\(|$)/, // config.db.password, settings.API_KEY, Foo::BAR
  /^(?:(.)\1+)$/, // one repeated character
  /^[*•xX]+$/,
];

/** Placeholders, references, redactions and other look-alikes (for every rule that judges a free-form value). */
export function isPlaceholder(value: string): boolean {
  if (value.length === 0) return true;
  if (PLACEHOLDER_WORDS.test(value) || /xxxx|XXXX/.test(value)) return true;
  for (const re of NOT_A_VALUE) if (re.test(value)) return true;
  return /(?:0123456789|123456789|abcdefgh|qwerty|asdfgh)/i.test(value);
}

/**
 * The placeholders a value in a provider's exact shape can still be (`ghp_XXXX…`, `AKIA…EXAMPLE`, `sk_live_your_key`):
 * narrower than `isPlaceholder`, because real tokens contain words like `test` (`sk_test_…`).
 */
const OBVIOUS =
  /example|EXAMPLE|Example|placeholder|PLACEHOLDER|redacted|REDACTED|changeme|CHANGEME|your[_-]|YOUR[_-]|_here(?![a-z])|_HERE(?![A-Z])|dummy|DUMMY|(?:^|[_.-])(?:fake|FAKE)|xxxxx|XXXXX|\*{3}|123456789|abcdefghij|ABCDEFGHIJ/;
export function isObviousPlaceholder(value: string): boolean {
  // Case-sensitive on purpose: a random token holds "DuMmY" by chance far more often than a placeholder spells it so.
  return OBVIOUS.test(value) || /(.)\1{7}/.test(value);
}

/** The generic rule's value test: not a look-alike, and random enough (judged on the decoded text when it is base64 of text). */
export function isGenericSecretValue(value: string): boolean {
  if (value.length > 500 || /\s/.test(value) || isPlaceholder(value)) return false;
  const text = value.length >= 8 && /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? base64Text(value) : null;
  if (text && text.length >= 6) {
    // base64 of text: `user:password` (docker's `auth`, .npmrc's `_auth`), or a password someone encoded.
    const colon = text.indexOf(":");
    if (colon > 0 && /^[^:\s]{1,128}:\S{6,}$/.test(text)) return !isPlaceholder(text.slice(colon + 1));
    if (isPlaceholder(text)) return false;
    return looksRandom(text) || looksRandom(value);
  }
  return looksRandom(value);
}
