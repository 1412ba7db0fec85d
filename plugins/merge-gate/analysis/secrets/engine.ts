/**
 * The secret scan's engine, independent of diffs and findings: lines in, secrets (rule, position, value) out.
 *
 * Per line: one keyword pass (Aho–Corasick) picks the rules worth trying; token rules run their regex; if the line
 * has a secret-ish or provider keyword, assignments (`name = value`, `name: value`, `"name": "value"`, `name => value`,
 * XML) are pulled out once and judged by the context rules and the generic rule. Private keys and Kubernetes
 * secrets are found over the whole text (they span lines). Where matches overlap, the more specific rule wins, so
 * each secret is reported once. Lines longer than WINDOW are scanned in overlapping windows, so no regex ever sees
 * more than WINDOW characters (every pattern is bounded, and there are no nested quantifiers).
 */
import { base64Text, looksRandom, meetsEntropy } from "./entropy.ts";
import { isGenericSecretValue, isNegativeName, isObviousPlaceholder, isPlaceholder, isSecretName } from "./generic.ts";
import { findKeyBlocks, INLINE_PEM_RULE, KEY_TOKEN_RULES, PEM_RULE, PUTTY_RULE } from "./keys.ts";
import { KeywordIndex } from "./keywords.ts";
import { CONTEXT_RULES, type ContextRule, DOCUMENTED_EXAMPLES, type RuleInfo, TOKEN_RULES, type TokenRule } from "./rules.ts";

export type { RuleInfo } from "./rules.ts";

export interface SecretMatch {
  rule: RuleInfo;
  /** 0-based line and column where the secret starts; `endLine`/`endColumn` is the exclusive end. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  secret: string;
  /** How sure the rule is: a self-identifying token or key 0.99, a provider's value by its name 0.9, generic 0.8. */
  confidence: number;
  /** The token's own checksum holds (GitHub, npm): certainly a real token, not a made-up one. */
  checksumValid?: boolean;
}

export const GENERIC_RULE: RuleInfo = { id: "generic-secret", family: "generic", name: "High-entropy value assigned to a secret-like name" };
export const URL_RULE: RuleInfo = { id: "url-credentials", family: "url-credentials", name: "Password in a URL" };
export const BEARER_RULE: RuleInfo = { id: "bearer-token", family: "authorization-header", name: "Bearer token in an Authorization header" };
export const CURL_RULE: RuleInfo = { id: "curl-user-password", family: "authorization-header", name: "Password passed to curl --user" };
export const DOCKER_RULE: RuleInfo = { id: "docker-config-auth", family: "docker", name: "Registry credentials in a Docker config (auth)" };
export const KUBERNETES_RULE: RuleInfo = { id: "kubernetes-secret", family: "kubernetes", name: "Kubernetes Secret value" };

const ALL_TOKEN_RULES: TokenRule[] = [...TOKEN_RULES, ...KEY_TOKEN_RULES];

/** Every rule the engine can report, for reports and rule-by-rule tests. */
export const RULES: RuleInfo[] = [
  ...ALL_TOKEN_RULES,
  ...CONTEXT_RULES,
  PEM_RULE,
  INLINE_PEM_RULE,
  PUTTY_RULE,
  URL_RULE,
  BEARER_RULE,
  CURL_RULE,
  DOCKER_RULE,
  KUBERNETES_RULE,
  GENERIC_RULE,
].map(({ id, family, name }) => ({ id, family, name }));

// — Keyword index —

/** Names worth pulling assignments out of a line for (the generic rule's words, lower-case). */
const GENERIC_KEYWORDS = ["pass", "pwd", "secret", "token", "key", "auth", "cred", "contrase", "passwort", "senha", "psk", "pat"];
const SPECIAL = { url: "://", bearer: "bearer", curlShort: "-u", curlLong: "--user", xmlAdd: "<add", xmlClose: "</", dockerAuth: '"auth"' } as const;

const index = new KeywordIndex([
  ...ALL_TOKEN_RULES.flatMap((r) => r.keywords),
  ...CONTEXT_RULES.flatMap((r) => r.keywords),
  ...GENERIC_KEYWORDS,
  ...Object.values(SPECIAL),
]);
const keywordId = new Map(index.keywords.map((k, i) => [k, i]));
const tokenRulesByKeyword: TokenRule[][] = index.keywords.map(() => []);
const contextRulesByKeyword: ContextRule[][] = index.keywords.map(() => []);
const pairKeyword = new Uint8Array(index.keywords.length);
for (const rule of ALL_TOKEN_RULES) for (const k of rule.keywords) tokenRulesByKeyword[keywordId.get(k)!].push(rule);
for (const rule of CONTEXT_RULES) {
  for (const k of rule.keywords) {
    contextRulesByKeyword[keywordId.get(k)!].push(rule);
    pairKeyword[keywordId.get(k)!] = 1;
  }
}
for (const k of GENERIC_KEYWORDS) pairKeyword[keywordId.get(k)!] = 1;
const ALWAYS: TokenRule[] = ALL_TOKEN_RULES.filter((r) => r.keywords.length === 0);
/** Rules run in table order whatever order their keywords were seen in: ties between equal spans go to the earlier rule. */
const ORDER = new Map(ALL_TOKEN_RULES.map((r, i) => [r, i]));
const seen = new Uint8Array(index.keywords.length);
const special = Object.fromEntries(Object.entries(SPECIAL).map(([name, k]) => [name, keywordId.get(k)!])) as Record<keyof typeof SPECIAL, number>;

// — Candidates —

interface Candidate {
  rule: RuleInfo;
  start: number;
  end: number;
  secret: string;
  priority: number;
  confidence: number;
  checksumValid?: boolean;
}

const PRIORITY = { key: 5, token: 4, special: 3, context: 2, generic: 1 } as const;

/** Code files: an unquoted value there is an expression (`token = getToken()`), not a literal, unless it sits inside a string. */
const CODE_FILE =
  /\.(?:[cm]?[jt]sx?|py|pyi|rb|go|java|kts?|scala|groovy|gradle|swift|cs|fs|vb|php|rs|c|h|cc|cpp|cxx|hpp|hh|m|mm|dart|lua|pl|pm|r|jl|ex|exs|erl|clj|cljs|hs|ml|vue|svelte|astro|sol|zig|nim|cr)$/i;

/**
 * An assignment: a name, an operator, a value. The name may be quoted or subscripted (`ENV['X'] =`); the value is a
 * quoted string (its contents) or a bare token. Comparisons count too (`if password == "…"`): a hard-coded check is
 * a hard-coded secret. A comma counts only after a quoted name (`setenv("API_KEY", "…")`).
 */
const PAIR =
  /(?<![\w$@.-])(?<name>[A-Za-z_$@][\w$@.-]{0,99})(?<close>\\?["'`]?\]?)[ \t]{0,8}(?<op>:=|=>|\?\?=|\|\|=|\?=|!==?|===?|:|=|,)[ \t]{0,8}(?:@(?=["'])|[bBrRuUfF]{1,2}(?=["']))?(?:\\?"(?<dq>[^"\\\r\n]{1,500})|\\?'(?<sq>[^'\\\r\n]{1,500})|`(?<bq>[^`\\\r\n]{1,500})|(?<bare>[^\s"'`,;&|)}\]<>]{1,500}))/g;
const XML_ADD = /<add\s+key\s*=\s*"(?<name>[^"]{1,100})"\s+value\s*=\s*"(?<value>[^"]{1,500})"/gi;
const XML_ELEMENT = /<(?<name>[A-Za-z_][\w.:-]{0,60})>(?<value>[^<>\s]{6,500})<\/\k<name>>/g;
const URL_CREDENTIALS = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/(?<user>[^\s:@/"'`<>]{0,128}):(?<pass>[^\s@/"'`<>]{1,256})@(?<host>\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})/g;
const BEARER = /\bBearer[ \t]{1,4}(?<s>[A-Za-z0-9._~+/-]{20,2000}=*)(?![A-Za-z0-9._~+/=-])/gi;
const CURL_USER = /(?:^|[\s"'])(?:-u|--user)(?:[ \t]{1,4}|=)["']?(?<user>[^\s:"'$]{1,64}):(?<pass>[^\s"']{3,128})/g;
const DOCKER_AUTH = /"auth"\s*:\s*"(?<s>[A-Za-z0-9+/]{8,400}={0,2})"/g;

const LOCAL_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|host|hostname|server|domain|example\.(?:com|org|net)|[A-Za-z0-9.-]*\.(?:example|test|invalid|localhost|local))$/i;
const WEAK_DEFAULTS = /^(?:pass|pwd|pw|root|admin|user|guest|postgres|mysql|redis|rabbitmq|mongo|sa|dev|local|demo|default|none|null|empty|foo|bar|baz|qwerty|letmein|\d{1,8})$/i;

function decodeUri(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Whether an index of `text` lies inside a string literal (', ", or `; backslash escapes honoured). Asked with
 * indexes that only grow, so it walks the text once however many assignments a line has.
 */
function stringTracker(text: string) {
  let i = 0;
  let quote = 0;
  return (at: number): boolean => {
    for (; i < at; i++) {
      const c = text.charCodeAt(i);
      if (quote !== 0) {
        if (c === 92) i++;
        else if (c === quote) quote = 0;
      } else if (c === 34 || c === 39 || c === 96) quote = c;
    }
    return quote !== 0;
  };
}

function tokenAccepts(rule: TokenRule, secret: string, text: string): boolean {
  if (!meetsEntropy(secret, rule.entropy)) return false;
  if (rule.allow?.test(secret) || DOCUMENTED_EXAMPLES.has(secret) || isObviousPlaceholder(rule.body ? rule.body(secret) : secret)) return false;
  return rule.verify ? rule.verify(secret, text) : true;
}

/** All candidates in one window of a line (offsets relative to the window). */
function scanWindow(text: string, code: boolean): Candidate[] {
  const lower = text.toLowerCase();
  const found = index.find(lower, seen);
  const out: Candidate[] = [];
  const tried = new Set<TokenRule>(ALWAYS);
  const rules: TokenRule[] = [...ALWAYS];
  let pairs = false;
  const contextRules = new Set<ContextRule>();
  for (const id of found) {
    for (const rule of tokenRulesByKeyword[id]) {
      if (tried.has(rule)) continue;
      tried.add(rule);
      rules.push(rule);
    }
    if (pairKeyword[id]) pairs = true;
    for (const rule of contextRulesByKeyword[id]) contextRules.add(rule);
  }
  rules.sort((a, b) => ORDER.get(a)! - ORDER.get(b)!);
  for (const rule of rules) {
    // Every token pattern is `(?<=…)(?<s>…)(?=…)`-shaped (boundaries are lookarounds), so the match is the secret.
    rule.pattern.lastIndex = 0;
    for (let m = rule.pattern.exec(text); m; m = rule.pattern.exec(text)) {
      const secret = m[0];
      if (!tokenAccepts(rule, secret, text)) continue;
      const priority = rule.family === "privatekey" ? PRIORITY.key : PRIORITY.token;
      out.push({ rule, start: m.index, end: m.index + secret.length, secret, priority, confidence: 0.99, checksumValid: rule.checksum?.(secret) || undefined });
    }
  }
  const has = (k: keyof typeof SPECIAL) => seen[special[k]] === 1;
  if (pairs) {
    const insideString = stringTracker(text);
    PAIR.lastIndex = 0;
    for (let m = PAIR.exec(text); m; m = PAIR.exec(text)) {
      const g = m.groups!;
      if (g.op === "," && !/["'`]/.test(g.close)) continue;
      const value = g.dq ?? g.sq ?? g.bq ?? g.bare!;
      const start = m.index + m[0].length - value.length;
      // A quoted value holding its own assignments (a connection string, JSON in a string) is read inside too.
      if (g.bare === undefined && /[=:]/.test(value)) PAIR.lastIndex = start;
      if (g.bare !== undefined && code && !insideString(m.index)) continue;
      judgePair(g.name, value, start, contextRules, out);
    }
    if (has("xmlAdd")) {
      XML_ADD.lastIndex = 0;
      for (let m = XML_ADD.exec(text); m; m = XML_ADD.exec(text)) judgePair(m.groups!.name, m.groups!.value, m.index + m[0].length - m.groups!.value.length - 1, contextRules, out);
    }
    if (has("xmlClose")) {
      XML_ELEMENT.lastIndex = 0;
      for (let m = XML_ELEMENT.exec(text); m; m = XML_ELEMENT.exec(text)) judgePair(m.groups!.name, m.groups!.value, m.index + m.groups!.name.length + 2, contextRules, out);
    }
    if (has("dockerAuth")) {
      DOCKER_AUTH.lastIndex = 0;
      for (let m = DOCKER_AUTH.exec(text); m; m = DOCKER_AUTH.exec(text)) {
        const s = m.groups!.s;
        const decoded = base64Text(s);
        if (decoded && /^[^:\s]{1,128}:\S{3,}$/.test(decoded) && !isPlaceholder(decoded.slice(decoded.indexOf(":") + 1))) {
          const start = m.index + m[0].length - s.length - 1;
          out.push({ rule: DOCKER_RULE, start, end: start + s.length, secret: s, priority: PRIORITY.special, confidence: 0.95 });
        }
      }
    }
  }
  if (has("url") && text.includes("@")) {
    URL_CREDENTIALS.lastIndex = 0;
    for (let m = URL_CREDENTIALS.exec(text); m; m = URL_CREDENTIALS.exec(text)) {
      const { user, pass, host } = m.groups!;
      const passStart = m.index + m[0].length - host.length - 1 - pass.length;
      if (pass === "x-oauth-basic" || pass === "x-access-token") {
        // GitHub's token-as-username form: the username is the secret.
        if (user.length >= 20 && looksRandom(user)) out.push({ rule: URL_RULE, start: passStart - 1 - user.length, end: passStart - 1, secret: user, priority: PRIORITY.special, confidence: 0.95 });
        continue;
      }
      const password = decodeUri(pass);
      if (password === user || password.length < 3 || LOCAL_HOST.test(host) || WEAK_DEFAULTS.test(password) || isPlaceholder(password)) continue;
      out.push({ rule: URL_RULE, start: passStart, end: passStart + pass.length, secret: pass, priority: PRIORITY.special, confidence: 0.95 });
    }
  }
  if (has("bearer")) {
    BEARER.lastIndex = 0;
    for (let m = BEARER.exec(text); m; m = BEARER.exec(text)) {
      const s = m.groups!.s;
      if (/^eyJ[^.]*\.[^.]*\./.test(s) || !looksRandom(s) || isPlaceholder(s)) continue; // a JWT is the JWT rule's to judge
      const start = m.index + m[0].length - s.length;
      out.push({ rule: BEARER_RULE, start, end: start + s.length, secret: s, priority: PRIORITY.special, confidence: 0.95 });
    }
  }
  if (has("curlShort") || has("curlLong")) {
    CURL_USER.lastIndex = 0;
    for (let m = CURL_USER.exec(text); m; m = CURL_USER.exec(text)) {
      const { user, pass } = m.groups!;
      if (pass === user || WEAK_DEFAULTS.test(pass) || isPlaceholder(pass)) continue;
      const start = m.index + m[0].length - pass.length;
      out.push({ rule: CURL_RULE, start, end: start + pass.length, secret: pass, priority: PRIORITY.special, confidence: 0.95 });
    }
  }
  return out.filter((c) => !DOCUMENTED_EXAMPLES.has(c.secret));
}

/** Context rules for a provider-keyed name, then the generic rule for a secret-like one. */
function judgePair(name: string, value: string, start: number, contextRules: Set<ContextRule>, out: Candidate[]) {
  if (value.length < 8) return;
  const lowerName = name.toLowerCase();
  if (contextRules.size && !isNegativeName(name)) {
    for (const rule of contextRules) {
      if (!rule.keywords.some((k) => lowerName.includes(k)) || !rule.value.test(value)) continue;
      if (!meetsEntropy(value, rule.entropy) || isObviousPlaceholder(value) || DOCUMENTED_EXAMPLES.has(value)) continue;
      out.push({ rule, start, end: start + value.length, secret: value, priority: PRIORITY.context, confidence: 0.9 });
      return;
    }
  }
  if (isSecretName(name) && isGenericSecretValue(value)) out.push({ rule: GENERIC_RULE, start, end: start + value.length, secret: value, priority: PRIORITY.generic, confidence: 0.8 });
}

// — Kubernetes Secrets (the value's meaning comes from `kind: Secret` lines away) —

const KIND_SECRET = /^\s*kind:\s*["']?Secret["']?\s*(?:#.*)?$/;
const DATA_SECTION = /^(\s*)(data|stringData):\s*(?:#.*)?$/;
const DATA_ITEM = /^(\s*)([\w.-]{1,253}):[ \t]*(["']?)([^"'\s#]{1,10000})\3\s*(?:#.*)?$/;
const PUBLIC_ITEM = /(?:^|[._-])(?:crt|cert|certificate|ca|pub|user|username|host|hostname|port|url|uri|database|db|name|namespace|region|email)$/i;

function kubernetesSecrets(lines: string[]): { line: number; start: number; secret: string }[] {
  if (!lines.some((l) => l.length < 200 && KIND_SECRET.test(l))) return [];
  const out: { line: number; start: number; secret: string }[] = [];
  let section: { kind: string; indent: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > 12000) continue;
    const head = DATA_SECTION.exec(line);
    if (head) {
      section = { kind: head[2], indent: head[1].length };
      continue;
    }
    if (!section) continue;
    const item = DATA_ITEM.exec(line);
    if (!item || item[1].length <= section.indent) {
      if (line.trim() !== "") section = null;
      continue;
    }
    const [, , key, , raw] = item;
    const value = section.kind === "data" ? base64Text(raw) : raw;
    if (!value || value.length < 6 || PUBLIC_ITEM.test(key) || isPlaceholder(value.trim())) continue;
    out.push({ line: i, start: line.lastIndexOf(raw), secret: raw });
  }
  return out;
}

// — Whole texts —

/** Long lines are scanned in windows this size, overlapping by half, so a secret up to WINDOW/2 long is seen whole. */
export const WINDOW = 8192;

interface Span {
  start: number;
  end: number;
}

/** Non-overlapping spans of one line, kept sorted: overlap queries by binary search, so many secrets on a line stay cheap. */
class Spans {
  private readonly spans: Span[] = [];
  /** Index of the first span ending after `at`. */
  private after(at: number): number {
    let lo = 0;
    let hi = this.spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid].end <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  overlaps(start: number, end: number): boolean {
    const i = this.after(start);
    return i < this.spans.length && this.spans[i].start < end;
  }
  add(start: number, end: number) {
    this.spans.splice(this.after(start), 0, { start, end });
  }
  get whole(): boolean {
    return this.spans.length === 1 && this.spans[0].start === 0 && this.spans[0].end === Number.MAX_SAFE_INTEGER;
  }
}

/** Secrets in `lines` (a file's added lines, in order). `path` tells code from configuration (see CODE_FILE). */
export function scanLines(lines: string[], path?: string): SecretMatch[] {
  const code = path !== undefined && CODE_FILE.test(path);
  const matches: SecretMatch[] = [];
  const taken = new Map<number, Spans>();
  const take = (line: number, start: number, end: number) => {
    if (!taken.has(line)) taken.set(line, new Spans());
    taken.get(line)!.add(start, end);
  };

  for (const block of findKeyBlocks(lines)) {
    const secret = block.line === block.endLine ? lines[block.line].slice(block.column, block.endColumn) : [lines[block.line].slice(block.column), ...lines.slice(block.line + 1, block.endLine), lines[block.endLine].slice(0, block.endColumn)].join("\n");
    matches.push({ rule: block.rule, line: block.line, column: block.column, endLine: block.endLine, endColumn: block.endColumn, secret, confidence: 0.99 });
    if (block.line === block.endLine) take(block.line, block.column, block.endColumn);
    else {
      take(block.line, block.column, Number.MAX_SAFE_INTEGER);
      for (let l = block.line + 1; l < block.endLine; l++) take(l, 0, Number.MAX_SAFE_INTEGER);
      take(block.endLine, 0, block.endColumn);
    }
  }

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length < 6) continue;
    if (taken.get(i)?.whole) continue;
    let candidates: Candidate[];
    if (line.length <= WINDOW) candidates = scanWindow(line, code);
    else {
      candidates = [];
      for (let from = 0; from < line.length; from += WINDOW / 2) {
        for (const c of scanWindow(line.slice(from, from + WINDOW), code)) candidates.push({ ...c, start: c.start + from, end: c.end + from });
        if (from + WINDOW >= line.length) break;
      }
    }
    candidates.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
    for (const c of candidates) {
      if (taken.get(i)?.overlaps(c.start, c.end)) continue;
      take(i, c.start, c.end);
      matches.push({ rule: c.rule, line: i, column: c.start, endLine: i, endColumn: c.end, secret: c.secret, confidence: c.confidence, checksumValid: c.checksumValid });
    }
  }

  for (const k of kubernetesSecrets(lines)) {
    const end = k.start + k.secret.length;
    const clash = matches.findIndex((m) => m.line === k.line && m.endLine === k.line && m.column < end && m.endColumn > k.start);
    if (clash >= 0 && matches[clash].rule.family !== "generic") continue;
    if (clash >= 0) matches.splice(clash, 1);
    matches.push({ rule: KUBERNETES_RULE, line: k.line, column: k.start, endLine: k.line, endColumn: end, secret: k.secret, confidence: 0.95 });
  }

  // One finding per secret: the same value again (same kind) is the same leak.
  const once = new Set<string>();
  return matches
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .filter((m) => {
      const key = `${m.rule.family}\n${m.secret}`;
      if (once.has(key)) return false;
      once.add(key);
      return true;
    });
}

/** Secrets in a text, with absolute offsets (`index` … `endIndex`) as well as 1-based lines. */
export function findSecrets(text: string, path?: string): (SecretMatch & { index: number; endIndex: number; startLine: number; lastLine: number })[] {
  const lines = text.split("\n");
  const offsets: number[] = [];
  let at = 0;
  for (const l of lines) {
    offsets.push(at);
    at += l.length + 1;
  }
  return scanLines(lines, path).map((m) => ({ ...m, index: offsets[m.line] + m.column, endIndex: offsets[m.endLine] + m.endColumn, startLine: m.line + 1, lastLine: m.endLine + 1 }));
}
