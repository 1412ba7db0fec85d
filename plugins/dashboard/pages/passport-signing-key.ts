import type { PublicSigningKey } from "../../merge-gate/passports/signing.ts";
import { badge, type Fragment, html, time } from "../html.ts";

/** The instance's public Ed25519 keys, current first: copy one into KEY.pem to verify an exported bundle. */
export function signingKeysBody(keys: PublicSigningKey[]): Fragment {
  const ordered = [...keys].sort((a, b) => Number(b.current) - Number(a.current));
  return html`
<p>Every passport export is signed with the instance's current Ed25519 key. Earlier keys stay listed (retired) so bundles
they signed still verify. Save a key as <code>KEY.pem</code> and run
<code>critique passport verify passport-ID.json --public-key KEY.pem</code>. The same list is served as JSON at
<a href="/api/v1/passports/signing-key">/api/v1/passports/signing-key</a>; an operator rotates the key with <code>critique passport rotate-key</code>.</p>
${ordered.map(
  (k, i) => html`<section class="card" aria-labelledby="key-${i}">
<h2 id="key-${i}"><code>${k.keyId}</code> ${k.current ? badge("current", "active") : badge("retired", "muted")}</h2>
<dl class="facts"><dt>Algorithm</dt><dd>${k.algorithm}</dd><dt>Created</dt><dd>${time(k.createdAt)}</dd><dt>Retired</dt><dd>${time(k.retiredAt)}</dd></dl>
<pre id="key-pem-${i}">${k.publicKey.trim()}</pre>
<button type="button" data-copy="key-pem-${i}">Copy public key</button>
</section>`,
)}`;
}
