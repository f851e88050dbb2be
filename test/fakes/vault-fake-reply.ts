/** What the Vault fake answers with: Vault's envelope, its `{"errors": [...]}` failures, lenient ints. */
import { randomUUID } from 'node:crypto';

/** A JSON request or response body. */
export type Json = Record<string, unknown>;

/** A status and an optional JSON body (none: an empty answer). */
export interface Reply {
  status: number;
  body?: unknown;
}

/** An error answered as `{"errors": [...]}` with the given status. */
export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[] = [],
  ) {
    super(errors[0] ?? `status ${status}`);
  }
}

export const missing = () => new VaultError(404);
export const unsupported = () => new VaultError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
export const timestamp = () => new Date().toISOString();
export const trimSlashes = (text: string) => text.replace(/^\/+|\/+$/g, '');

/** The response wrapper Vault puts around every body. */
export function envelope(data: unknown, warnings: string[] | null = null): Json {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings,
    auth: null,
    mount_type: 'kv',
  };
}

export const ok = (data: unknown): Reply => ({ status: 200, body: envelope(data) });
export const noContent = (): Reply => ({ status: 204 });

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Vault parses ints leniently: numbers and numeric strings. */
export function readInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw new VaultError(400, [`error converting input ${String(value)} for field "${field}"`]);
  }
  return number;
}
