/**
 * Links we hand out (payload and snapshot `urls`, check-run details) must work for a receiver outside this server
 * (a Slack relay, a bot), so they are absolute: CRITIQUE_PUBLIC_URL, which may carry a path prefix behind a proxy
 * (https://example.com/critique), followed by our own path. The base never ends in "/" (see publicBase), so
 * joining is plain concatenation; `new URL(path, base)` would drop the prefix for a path starting with "/".
 */

/** CRITIQUE_PUBLIC_URL without trailing slashes, or http://localhost:PORT when unset. */
export function publicBase(configured: string | undefined, port: number): string {
  return (configured ?? `http://localhost:${port}`).replace(/\/+$/, "");
}

/** The absolute link to `path` (starting with "/", e.g. `/api/v1/review-runs/…`) under the public URL. */
export function publicLink(config: { publicUrl: string }, path: string): string {
  return `${config.publicUrl}${path}`;
}
