import { createHmac } from 'node:crypto';

/** The header that carries a batch's signature. */
export const SIGNATURE_HEADER = 'X-SGW-Signature';

/** `sha256=` and the hex HMAC-SHA256 of the raw body with the webhook secret (API.md). */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
