import { type Fragment, html } from "./html.ts";

export interface Viewer {
  name: string;
  isAdmin: boolean;
  csrfToken: string;
}

const NAV: { href: string; label: string; admin?: boolean }[] = [
  { href: "/dashboard/review-runs", label: "Review runs" },
  { href: "/dashboard/passports", label: "Passports" },
  { href: "/dashboard/agent-runs", label: "Agent runs" },
  { href: "/dashboard/webhooks", label: "Webhooks" },
  { href: "/dashboard/keys", label: "API keys" },
  { href: "/dashboard/credits", label: "Credits" },
  { href: "/dashboard/installations", label: "Installations", admin: true },
];

/** A hidden form field carrying the session's CSRF token: every state-changing dashboard form has one. */
export const csrfField = (viewer: Viewer) => html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}">`;

/** The page shell: one stylesheet and one script from this server (no other origin), nav, main landmark. */
export function layout(input: { title: string; viewer?: Viewer; current?: string; body: Fragment }): string {
  const { viewer } = input;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · Critique</title>
<link rel="stylesheet" href="/dashboard/assets/app.css">
<link rel="icon" href="data:,">
${viewer ? html`<meta name="csrf-token" content="${viewer.csrfToken}">` : ""}
<script src="/dashboard/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/dashboard">Critique</a>
  ${
    viewer
      ? html`<nav aria-label="Main"><ul>${NAV.filter((n) => !n.admin || viewer.isAdmin).map(
          (n) => html`<li><a href="${n.href}"${input.current === n.href ? html` aria-current="page"` : ""}>${n.label}</a></li>`,
        )}</ul></nav>
  <form method="post" action="/sign-out" class="signout">${csrfField(viewer)}<span class="muted">${viewer.name}</span> <button type="submit">Sign out</button></form>`
      : ""
  }
</header>
<main id="main">
<h1>${input.title}</h1>
${input.body}
</main>
</body>
</html>`.toString();
}
