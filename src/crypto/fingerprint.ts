import { createHmac } from 'node:crypto';

/** HMAC-SHA256 (hex) of each value under the audit key: a known value can be matched, never read back. */
export function fingerprintValues(hmacKey: Buffer, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    out[key] = createHmac('sha256', hmacKey).update(values[key], 'utf8').digest('hex');
  }
  return out;
}
