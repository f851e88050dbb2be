import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The audit key as a KeyObject, made once per key: an HMAC over a raw Buffer key costs ~8× more. */
const keyObjects = new WeakMap<Buffer, KeyObject>();

/** HMAC-SHA256 (hex) of each value under the audit key: a known value can be matched, never read back. */
export function fingerprintValues(hmacKey: Buffer, values: Record<string, string>): Record<string, string> {
  let key = keyObjects.get(hmacKey);
  if (!key) {
    key = createSecretKey(hmacKey);
    keyObjects.set(hmacKey, key);
  }
  const out: Record<string, string> = {};
  for (const name of Object.keys(values).sort()) {
    out[name] = createHmac('sha256', key).update(values[name], 'utf8').digest('hex');
  }
  return out;
}
