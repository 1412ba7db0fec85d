import ipaddr from "ipaddr.js";
import { ConfigError } from "./env.ts";

/** An address range the operator allows outbound webhooks to reach (parsed once at start-up). */
export interface CidrRange {
  /** As the operator wrote it, normalised (`10.0.0.0/8`), for messages. */
  text: string;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

/**
 * Parses `CRITIQUE_WEBHOOK_ALLOWED_CIDRS`: comma- or space-separated CIDR ranges; a bare address means just that
 * address (/32 or /128). Any entry that is not one stops start-up with a line naming it.
 */
export function parseCidrList(value: string | undefined, variable = "CRITIQUE_WEBHOOK_ALLOWED_CIDRS"): CidrRange[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      try {
        const [address, bits] = entry.includes("/") ? cidr(entry) : bareAddress(entry);
        return { text: `${address.toString()}/${bits}`, range: [address, bits] };
      } catch {
        throw new ConfigError(`${variable}: "${entry}" is not a CIDR range or an IP address (e.g. 10.0.0.0/8, 127.0.0.1, ::1/128)`);
      }
    });
}

/** Strict: "10.1" and other legacy IPv4 forms are refused here; in a config file they are more likely typos. */
const strictAddress = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(":") && ipaddr.IPv6.isValid(text));

function cidr(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (!strictAddress(entry.slice(0, entry.indexOf("/")))) throw new Error("not an address");
  return ipaddr.parseCIDR(entry);
}

function bareAddress(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (!strictAddress(entry)) throw new Error("not an address");
  const address = ipaddr.parse(entry);
  return [address, address.kind() === "ipv4" ? 32 : 128];
}
