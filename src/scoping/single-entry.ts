import type { ScopedEntry } from './scoping.js';

/** The one entry of a one-entry-per-secret layout; a caller passing none or several is a bug. */
export function singleEntry(entries: ScopedEntry[]): ScopedEntry {
  if (entries.length !== 1) {
    throw new Error(`Expected exactly one backend entry for the secret, got ${entries.length}`);
  }
  return entries[0];
}
