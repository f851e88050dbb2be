/**
 * Applies a partial update to a map: a key set to `null` is removed, any other value replaces
 * the key's. Used for secret values and component configurations alike.
 */
export function mergeChanges<T>(
  current: Readonly<Record<string, T>>,
  changes: Readonly<Record<string, T | null>>,
): Record<string, T> {
  const next: Record<string, T> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
