// Verbatim from the contract (spec/merge-gate-api.txt, "Webhooks" → "Verify before trusting"): receivers copy this
// snippet, so the tests verify every delivery with exactly it.
import crypto from 'node:crypto'
export function verifyCritiqueWebhook(secret: string, rawBody: string, signature: string) {
const expected = `sha256=${crypto.createHmac('sha256', secret).update(rawBody).digest('hex')}`
return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
}
