import { html, raw } from "hono/html";

/**
 * Server-rendered pages with hono's `html` tagged template: every interpolated value is HTML-escaped unless it is
 * itself an `html` fragment, so text from pull requests, models and users is inert wherever it lands.
 */
export { html, raw };
export type Fragment = ReturnType<typeof html>;

/** A timestamp the browser shows in the viewer's time zone (app.js); the ISO text is the fallback. */
export const time = (d: Date | string | null | undefined) => {
  if (!d) return html`<span class="muted">—</span>`;
  const iso = typeof d === "string" ? d : d.toISOString();
  return html`<time datetime="${iso}">${iso.replace("T", " ").slice(0, 19)} UTC</time>`;
};

export const badge = (text: string | null | undefined, kind = (text ?? "").toLowerCase()) =>
  text ? html`<span class="badge badge-${kind.replace(/[^a-z0-9_-]/g, "")}">${text}</span>` : html`<span class="muted">—</span>`;

/** "Older →" link of a cursor-paginated list; nothing on the last page. */
export function nextPage(path: string, params: Record<string, string | number | undefined>, cursor: string | null) {
  if (!cursor) return html``;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, cursor })) if (v !== undefined && v !== "") query.set(k, String(v));
  return html`<nav class="pager" aria-label="Pagination"><a href="${path}?${query.toString()}">Older →</a></nav>`;
}

/** One `<option>` of a filter `<select>`; the empty value reads "any". */
export const option = (value: string, selected: string | undefined) => html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${value || "any"}</option>`;
