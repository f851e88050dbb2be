import { expect } from 'vitest';
import type { BackendEntry, SecretBackend } from '../../src/backends/backend.js';

/**
 * Creates `entry` through `backend`, then expects to read it back whole and to find it, alone,
 * among the entries whose names start with `namePrefix`.
 */
export async function expectBackendRoundTrip(
  backend: SecretBackend,
  entry: BackendEntry,
  namePrefix: string,
): Promise<void> {
  await backend.create(entry);
  expect(await backend.get(entry.name)).toEqual(entry);
  const { entries } = await backend.list({ namePrefix });
  expect(entries.map((e) => e.name)).toEqual([entry.name]);
}
