/**
 * Private keys in every form a diff shows them: PEM blocks over many lines (plain, in a template literal, in a YAML
 * block scalar, or concatenated string by string), PEM inside one string with escaped `\n` (a GCP service account
 * JSON), base64 of a whole PEM file (a Kubernetes secret's `tls.key`), bare base64 DER (PKCS#1, PKCS#8, SEC1, or an
 * OpenSSH key body), and PuTTY's .ppk format. A PEM header alone (a parser's constant) is not a key: the body must
 * hold at least 64 base64 characters.
 */
import { base64Text, decodeBase64 } from "./entropy.ts";
import type { RuleInfo, TokenRule } from "./rules.ts";

export const PEM_RULE: RuleInfo = { id: "private-key-pem", family: "privatekey", name: "Private key (PEM block)" };
export const INLINE_PEM_RULE: RuleInfo = { id: "private-key-inline", family: "privatekey", name: "Private key (PEM in a string)" };
export const PUTTY_RULE: RuleInfo = { id: "putty-private-key", family: "privatekey", name: "PuTTY private key" };

const HEADER = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const FOOTER = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const MIN_BODY = 64;

/** Base64 characters in a piece of text once escapes (`\n`) and quoting are taken out. */
function bodyChars(text: string): number {
  const clean = text.replace(/\\[nrt]/g, "");
  let n = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61) n++;
  }
  return n;
}

/** A line of a key's body, with whatever quotes, concatenation or escapes surround it in code. */
function bodyLine(line: string): "body" | "header" | "other" {
  const t = line
    .replace(/\\[nrt]/g, "")
    .replace(/^[\s"'`+,(]+/, "")
    .replace(/[\s"'`+,;)\]]+$/, "");
  if (/^[A-Za-z0-9+/=]{4,}$/.test(t)) return "body";
  if (t === "" || /^[A-Za-z][A-Za-z-]{1,30}: ?\S/.test(t)) return "header"; // Proc-Type, DEK-Info, Version, Comment; a blank line
  return "other";
}

export interface KeyBlock {
  rule: RuleInfo;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** PEM and PuTTY keys in `lines`; each block once, from its header to its footer (or to its last body line). */
export function findKeyBlocks(lines: string[]): KeyBlock[] {
  const blocks: KeyBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.includes("-----BEGIN ")) {
      const block = pemBlock(lines, i);
      if (block) {
        blocks.push(block);
        i = block.endLine;
      }
    } else if (l.startsWith("PuTTY-User-Key-File-")) {
      const block = puttyBlock(lines, i);
      if (block) {
        blocks.push(block);
        i = block.endLine;
      }
    }
  }
  return blocks;
}

function pemBlock(lines: string[], i: number): KeyBlock | null {
  const line = lines[i];
  const header = HEADER.exec(line);
  if (!header) return null;
  const afterHeader = header.index + header[0].length;
  const rest = line.slice(afterHeader);
  const footer = FOOTER.exec(rest);
  if (footer) {
    if (bodyChars(rest.slice(0, footer.index)) < MIN_BODY) return null;
    return { rule: INLINE_PEM_RULE, line: i, column: header.index, endLine: i, endColumn: afterHeader + footer.index + footer[0].length };
  }
  let body = bodyChars(rest);
  const inline = body >= MIN_BODY; // an escaped key whose footer the diff does not show
  let last = i;
  let lastColumn = line.length;
  let blanks = 0;
  for (let j = i + 1; j < lines.length && j <= i + 400; j++) {
    const end = FOOTER.exec(lines[j]);
    if (end) {
      if (body + bodyChars(lines[j].slice(0, end.index)) < MIN_BODY) return null;
      return { rule: PEM_RULE, line: i, column: header.index, endLine: j, endColumn: end.index + end[0].length };
    }
    const kind = bodyLine(lines[j]);
    if (kind === "body") {
      body += bodyChars(lines[j]);
      last = j;
      lastColumn = lines[j].length;
    } else if (kind === "header" && blanks++ < 3) continue;
    else break;
  }
  if (body < MIN_BODY) return null;
  return { rule: last === i && inline ? INLINE_PEM_RULE : PEM_RULE, line: i, column: header.index, endLine: last, endColumn: lastColumn };
}

function puttyBlock(lines: string[], i: number): KeyBlock | null {
  let sawPrivate = false;
  for (let j = i + 1; j < lines.length && j <= i + 120; j++) {
    if (lines[j].startsWith("Private-Lines:")) sawPrivate = true;
    if (lines[j].startsWith("Private-MAC:") || lines[j].startsWith("Private-Hash:")) return sawPrivate ? { rule: PUTTY_RULE, line: i, column: 0, endLine: j, endColumn: lines[j].length } : null;
  }
  return null;
}

/** DER of a private key: SEQUENCE { INTEGER 0|1, then an AlgorithmIdentifier, an INTEGER or an OCTET STRING }, whole. */
export function isDerPrivateKey(b64: string): boolean {
  const bytes = decodeBase64(b64);
  if (!bytes || bytes.length < 40 || bytes[0] !== 0x30) return false;
  let i = 1;
  let length = bytes[i++];
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n < 1 || n > 3) return false;
    length = 0;
    for (let k = 0; k < n; k++) length = length * 256 + bytes[i++];
  }
  const slack = bytes.length - (i + length);
  if (slack < 0 || slack > 2) return false;
  if (bytes[i] !== 0x02 || bytes[i + 1] !== 0x01) return false;
  const version = bytes[i + 2];
  const next = bytes[i + 3];
  return (version === 0 && (next === 0x30 || next === 0x02)) || (version === 1 && (next === 0x04 || next === 0x30));
}

const isOpenSshBody = (b64: string) => new TextDecoder().decode(decodeBase64(b64.slice(0, 20)) ?? new Uint8Array()).startsWith("openssh-key-v1\0");
/** base64 of a PEM file: the first 72 decoded characters hold the header. */
const isBase64Pem = (b64: string) => HEADER.test(base64Text(b64.slice(0, 96)) ?? "");

const B64_LEFT = "(?<![A-Za-z0-9+/])";
const B64_RIGHT = "(?![A-Za-z0-9+/=])";

/** Key encodings that fit on one line: found like tokens. */
export const KEY_TOKEN_RULES: TokenRule[] = [
  {
    id: "private-key-base64",
    family: "privatekey",
    name: "Private key (base64-encoded PEM)",
    keywords: ["ls0tls1crudjt"],
    pattern: new RegExp(`${B64_LEFT}(?<s>LS0tLS1CRUdJT[A-Za-z0-9+/]{100,20000}={0,2})${B64_RIGHT}`, "g"),
    verify: isBase64Pem,
  },
  {
    id: "private-key-der",
    family: "privatekey",
    name: "Private key (base64 DER)",
    keywords: [],
    pattern: new RegExp(`${B64_LEFT}(?<s>M[A-Za-z0-9+/]{60,12000}={0,2})${B64_RIGHT}`, "g"),
    verify: isDerPrivateKey,
  },
  {
    id: "private-key-openssh-base64",
    family: "privatekey",
    name: "Private key (OpenSSH key body)",
    keywords: ["b3blbnnzac1rzxktdje"],
    pattern: new RegExp(`${B64_LEFT}(?<s>b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/]{100,12000}={0,2})${B64_RIGHT}`, "g"),
    verify: isOpenSshBody,
  },
];
