import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * Audit checkpoint signatures, pure (no I/O, no gateway imports: the offline verifier of
 * `sgw audit verify` uses this file too). A checkpoint signs, with Ed25519, the UTF-8 text
 * `sgw-audit-checkpoint/v1\n<lastEventId>\n<lastHash>` (lastEventId in decimal, lastHash the
 * hex SHA-256 of that event, audit-chain.ts); the signature travels as base64, the public key
 * as base64 of its raw 32 bytes.
 */

/** A signed checkpoint, as stored and as served (API.md AuditCheckpoint). */
export interface AuditCheckpoint {
  id: string;
  lastEventId: string;
  lastHash: string;
  at: Date;
  /** base64 Ed25519 signature of `checkpointText(lastEventId, lastHash)`. */
  signature: string;
}

/** The signed text of a checkpoint. */
export function checkpointText(lastEventId: string | number, lastHash: string): string {
  return `sgw-audit-checkpoint/v1\n${String(lastEventId)}\n${lastHash}`;
}

/** PKCS#8 DER of an Ed25519 private key, before its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SPKI DER of an Ed25519 public key, before its raw 32 bytes (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The private key of a 32-byte Ed25519 seed. */
export function signingKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** base64 of the raw 32-byte public key of a private (or public) Ed25519 key. */
export function rawPublicKeyOf(key: KeyObject): string {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}

/** The public key object of base64 raw 32 bytes; throws on anything else. */
export function publicKeyFromRaw(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64.trim())
    throw new Error('an Ed25519 public key is base64 of 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The base64 signature of a checkpoint's text. */
export function signCheckpoint(key: KeyObject, lastEventId: string | number, lastHash: string): string {
  return sign(null, Buffer.from(checkpointText(lastEventId, lastHash), 'utf8'), key).toString('base64');
}

/** Whether `signature` is one of the keys' signature of the checkpoint's text (false for malformed input). */
export function checkpointSignatureHolds(
  publicKey: KeyObject | readonly KeyObject[],
  checkpoint: Pick<AuditCheckpoint, 'lastEventId' | 'lastHash' | 'signature'>,
): boolean {
  try {
    const text = Buffer.from(checkpointText(checkpoint.lastEventId, checkpoint.lastHash), 'utf8');
    const signature = Buffer.from(checkpoint.signature, 'base64');
    const keys = Array.isArray(publicKey) ? publicKey : [publicKey as KeyObject];
    return signature.length === 64 && keys.some((key) => verify(null, text, key, signature));
  } catch {
    return false;
  }
}
