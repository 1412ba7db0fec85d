import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import type { CidrRange } from "../config/index.ts";

/**
 * The SSRF guard for outbound webhooks. It resolves the host itself, checks every address, and returns the one
 * address the request must connect to (see `http.ts`, which pins it): a name that resolves differently a moment
 * later (DNS rebinding) cannot move the connection. Public unicast addresses pass; loopback, private, link-local
 * (cloud metadata), unspecified, carrier-grade NAT, multicast, reserved, IPv6 unique-local and every
 * IPv4-embedding IPv6 form pass only when an operator range (CRITIQUE_WEBHOOK_ALLOWED_CIDRS) contains them.
 * Plain `http` is accepted only for addresses inside those ranges.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (tests inject one to script DNS answers). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardPolicy {
  allowedCidrs: readonly CidrRange[];
  resolve?: Resolver;
}

/** Where to send: the URL as registered, and the checked address to connect to. */
export interface WebhookTarget {
  url: URL;
  /** Host name without IPv6 brackets (SNI, certificate check and Host header use it). */
  hostname: string;
  address: string;
  family: 4 | 6;
}

/** The URL may not be called; the message says why, in words a user can act on. */
export class WebhookUrlRefused extends Error {
  override name = "WebhookUrlRefused";
}

const RESOLVE_TIMEOUT_MS = 5_000;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Checks the URL and resolves its host once; throws WebhookUrlRefused for anything the guard refuses. */
export async function resolveWebhookTarget(rawUrl: string, policy: GuardPolicy): Promise<WebhookTarget> {
  const url = parseUrl(rawUrl);
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(hostname) !== 0;
  const addresses = literal ? [{ address: hostname, family: isIP(hostname) as 4 | 6 }] : await resolveName(hostname, policy.resolve ?? systemResolver);
  const checked = addresses.map((a) => classify(a.address, policy.allowedCidrs));
  const refused = checked.find((c) => !c.allowed && !c.public);
  if (refused) {
    const subject = literal ? `${hostname} is` : `${hostname} resolves to`;
    throw new WebhookUrlRefused(`${subject} ${refused.article} ${refused.range} address; webhooks may not call it unless CRITIQUE_WEBHOOK_ALLOWED_CIDRS allows it`);
  }
  if (url.protocol === "http:" && !checked.every((c) => c.allowed)) {
    throw new WebhookUrlRefused("must use https (plain http is only accepted for addresses in CRITIQUE_WEBHOOK_ALLOWED_CIDRS)");
  }
  const first = checked[0];
  return { url, hostname, address: first.address, family: first.family };
}

function parseUrl(rawUrl: string): URL {
  if (!URL.canParse(rawUrl)) throw new WebhookUrlRefused("must be an absolute https URL");
  const url = new URL(rawUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new WebhookUrlRefused("must be an https URL");
  // Credentials in the URL would be stored and listed in clear; the signature already authenticates us.
  if (url.username || url.password) throw new WebhookUrlRefused("must not contain credentials (user:password@)");
  if (!url.hostname) throw new WebhookUrlRefused("must name a host");
  return url;
}

async function resolveName(hostname: string, resolve: Resolver): Promise<ResolvedAddress[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), RESOLVE_TIMEOUT_MS)));
    const answers = await Promise.race([resolve(hostname), timeout]);
    if (answers.length === 0) throw new Error("no addresses");
    return answers;
  } catch (error) {
    throw new WebhookUrlRefused(`host ${hostname} does not resolve (${(error as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
}

interface Classified {
  /** Normalised: an IPv4-mapped IPv6 address becomes the IPv4 address it stands for. */
  address: string;
  family: 4 | 6;
  allowed: boolean;
  public: boolean;
  range: string;
  article: "a" | "an";
}

const RANGE_WORDS: Record<string, string> = {
  loopback: "loopback",
  private: "private",
  linkLocal: "link-local (cloud metadata)",
  unspecified: "unspecified (0.0.0.0/::)",
  carrierGradeNat: "carrier-grade NAT",
  uniqueLocal: "unique-local (private IPv6)",
  multicast: "multicast",
  broadcast: "broadcast",
  ipv4Compatible: "IPv4-compatible IPv6 (::a.b.c.d)",
};

function classify(text: string, allowedCidrs: readonly CidrRange[]): Classified {
  // process() turns ::ffff:a.b.c.d into a.b.c.d, so a mapped loopback is judged (and connected to) as loopback.
  const ip = ipaddr.process(text);
  const family = ip.kind() === "ipv4" ? 4 : 6;
  const allowed = allowedCidrs.some((c) => c.range[0].kind() === ip.kind() && ip.match(c.range as [typeof ip, number]));
  // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291) is "unicast" to ipaddr.js, yet some stacks route it to the
  // IPv4 address it embeds (::127.0.0.1 reached loopback): never public.
  const compatible = ip.kind() === "ipv6" && (ip as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0);
  const range = compatible && ip.range() === "unicast" ? "ipv4Compatible" : ip.range();
  const words = RANGE_WORDS[range] ?? `non-public (${range})`;
  return { address: ip.toString(), family, allowed, public: range === "unicast", range: words, article: /^[aeiou]/.test(words) ? "an" : "a" };
}
