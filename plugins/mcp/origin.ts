import type { Config } from "../../src/config/index.ts";

/**
 * The browser origins that may call the MCP endpoint: the server's own public origin plus
 * CRITIQUE_MCP_ALLOWED_ORIGINS. The MCP transport spec asks servers to check `Origin` so a web page cannot
 * drive a local server through DNS rebinding; IDE agents and orchestrators send no `Origin` and are not affected.
 */
export function allowedOrigins(config: Config): Set<string> {
  const extra = config.env.CRITIQUE_MCP_ALLOWED_ORIGINS?.split(",").map((o) => new URL(o.trim()).origin) ?? [];
  return new Set([new URL(config.publicUrl).origin, ...extra]);
}

/** An absent `Origin` is allowed (not a browser); a present one must be on the list, compared as a parsed origin. */
export function originRefusal(origin: string | null, allowed: Set<string>): string | undefined {
  if (origin === null) return undefined;
  const normalized = URL.canParse(origin) ? new URL(origin).origin : origin;
  if (allowed.has(normalized)) return undefined;
  return `Origin ${origin.slice(0, 200)} is not allowed to call this MCP server (allowed: the server's own origin and CRITIQUE_MCP_ALLOWED_ORIGINS)`;
}
