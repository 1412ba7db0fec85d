/** The dashboard's one stylesheet, served from the binary (no CDN). Narrow screens first; system fonts. */
export const CSS = `
:root { --fg: #1b1f24; --muted: #59636e; --bg: #fff; --line: #d1d9e0; --accent: #0b57d0; --fail: #b42318; --warn: #9a6700; --pass: #1a7f37; --info: #3b5bdb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 9; }
.top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 8px 16px; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.top nav ul { display: flex; flex-wrap: wrap; gap: 4px 12px; list-style: none; margin: 0; padding: 0; }
.top nav a[aria-current=page] { font-weight: 700; text-decoration: none; }
.signout { margin-left: auto; display: flex; gap: 8px; align-items: center; }
main { padding: 16px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: 0 0 12px; } h2 { font-size: 1.1rem; margin: 24px 0 8px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.table-wrap { overflow-x: auto; }
.muted { color: var(--muted); } .error { color: var(--fail); font-weight: 600; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
.badge-fail, .badge-failed, .badge-block, .badge-critical, .badge-high { color: var(--fail); }
.badge-warn, .badge-warning, .badge-require_approval, .badge-medium, .badge-in_progress, .badge-queued, .badge-running { color: var(--warn); }
.badge-pass, .badge-completed, .badge-allow, .badge-low, .badge-resolved, .badge-active { color: var(--pass); }
.badge-info, .badge-new, .badge-idle, .badge-provisioning, .badge-persisting { color: var(--info); }
.badge-cancelled, .badge-expired, .badge-revoked, .badge-unresolved, .badge-partially_resolved { color: var(--muted); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 12px 0; }
.narrow { max-width: 420px; } label { display: block; margin: 8px 0; } input, select, textarea { font: inherit; padding: 4px 6px; max-width: 100%; }
form.inline { display: inline; } button { font: inherit; padding: 4px 12px; cursor: pointer; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
.finding { border-left: 4px solid var(--line); padding: 8px 12px; margin: 8px 0; }
.finding.sev-FAIL { border-color: var(--fail); } .finding.sev-WARNING { border-color: var(--warn); } .finding.sev-INFO { border-color: var(--info); }
pre, code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; } pre { background: #f6f8fa; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.secret { background: #fff3cd; padding: 8px; border-radius: 6px; word-break: break-all; }
.chart svg { max-width: 100%; height: auto; } .pager { margin: 12px 0; }
.empty { padding: 24px; border: 1px dashed var(--line); border-radius: 8px; color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dl.facts dt { color: var(--muted); }
.events { max-height: 60vh; overflow-y: auto; background: #f6f8fa; padding: 8px; }
@media (max-width: 640px) { th, td { padding: 4px; } .signout { margin-left: 0; } }
`;
