export const SCOPES = [
  "read:reviews",
  "write:reviews",
  "read:passports",
  "manage:webhooks",
  "read:builder",
  "write:builder",
  "inference",
  "admin",
] as const;

export type Scope = (typeof SCOPES)[number];

/** What `critique keys create` grants when no --scopes are given: every scope but admin. */
export const DEFAULT_SCOPES: Scope[] = SCOPES.filter((s) => s !== "admin");

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** `admin` implies every other scope. */
export function hasScope(granted: readonly string[], required: Scope): boolean {
  return granted.includes(required) || granted.includes("admin");
}
