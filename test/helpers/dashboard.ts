import { setPassword } from "../../src/auth/passwords.ts";
import type { TestServer } from "./server.ts";

export const PASSWORD = "correct horse battery staple";

export interface Browserless {
  /** The `Cookie` header value of the session. */
  cookie: string;
  /** The session's CSRF token, as the pages carry it (`<meta name="csrf-token">`, `_csrf` fields). */
  csrf: string;
  /** GET (or any method) with the session cookie; redirects are not followed, so a 303 can be asserted. */
  get(path: string): Promise<Response>;
  /** A form post with the session cookie and, unless `csrf: false`, the CSRF field. */
  post(path: string, fields?: Record<string, string>, options?: { csrf?: boolean }): Promise<Response>;
}

/** Gives `name` a dashboard password (created if new) and signs in over HTTP, as a browser would, without one. */
export async function signIn(server: TestServer, name: string, options: { admin?: boolean } = {}): Promise<Browserless> {
  await setPassword(server.server.ctx, { name, password: PASSWORD, admin: options.admin });
  const res = await fetch(`${server.url}/sign-in`, { method: "POST", redirect: "manual", body: new URLSearchParams({ name, password: PASSWORD }) });
  if (res.status !== 303) throw new Error(`sign-in as ${name} answered ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  const page = await (await fetch(`${server.url}/dashboard/review-runs`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1];
  if (!csrf) throw new Error("no CSRF token on the signed-in page");
  return {
    cookie,
    csrf,
    get: (path) => fetch(`${server.url}${path}`, { headers: { cookie }, redirect: "manual" }),
    post: (path, fields = {}, postOptions = {}) =>
      fetch(`${server.url}${path}`, { method: "POST", redirect: "manual", headers: { cookie }, body: new URLSearchParams({ ...(postOptions.csrf === false ? {} : { _csrf: csrf }), ...fields }) }),
  };
}
