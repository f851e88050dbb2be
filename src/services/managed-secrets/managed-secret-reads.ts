import { listAll, type SecretMetadata, type SecretValues } from '../../backends/backend.js';
import { NotFoundError } from '../../errors.js';
import type { EntryLookup, ScopedEntry } from '../../scoping/scoping.js';
import type { ManagedSecret, SecretsManager } from './managed-secret.js';

/** The backend entries holding one secret (empty when absent). */
export async function entriesOf(manager: SecretsManager, name: string): Promise<ScopedEntry[]> {
  const { scoping, ctx, backend } = manager;
  const lookup = scoping.entryLookup(ctx, name);
  const names =
    lookup.by === 'name'
      ? lookup.names
      : (await listAll(backend, lookup.query))
          .filter((e) => scoping.secretNameOf(ctx, e) === name)
          .map((e) => e.name);
  const entries = await Promise.all(names.map((n) => backend.get(n)));
  return entries.filter((e): e is ScopedEntry => e !== undefined && scoping.secretNameOf(ctx, e) === name);
}

/** Loads one secret; undefined when absent; BAD_USER_INPUT for a name the scope refuses. No audit: callers audit value access. */
export async function load(manager: SecretsManager, name: string): Promise<ManagedSecret | undefined> {
  manager.scoping.validateName(manager.ctx, name);
  const entries = await entriesOf(manager, name);
  if (entries.length === 0) return undefined;
  const { schema, values } = manager.scoping.fromEntries(entries);
  return { name, schema, values, keys: Object.keys(values).sort(), manager };
}

/** Loads one secret; NOT_FOUND when absent. */
export async function requireSecret(manager: SecretsManager, name: string): Promise<ManagedSecret> {
  const secret = await load(manager, name);
  if (!secret) {
    throw new NotFoundError(
      `Secret "${name}" not found in secrets manager "${manager.component.name}" (stack ${manager.stack?.name})`,
    );
  }
  return secret;
}

/**
 * One listing of the manager's scope: the secret names, sorted, and the metadata of every
 * listed entry by entry name (what a batch read needs to tell an entry belongs to the scope).
 */
export interface ScopeListing {
  names: string[];
  listed: Map<string, SecretMetadata>;
}

/** Lists the manager's scope once (real pagination on the wire). */
export async function listScope(manager: SecretsManager): Promise<ScopeListing> {
  const entries = await listAll(manager.backend, manager.scoping.listQuery(manager.ctx));
  const names = new Set<string>();
  const listed = new Map<string, SecretMetadata>();
  for (const entry of entries) {
    listed.set(entry.name, entry.metadata);
    const name = manager.scoping.secretNameOf(manager.ctx, entry);
    if (name !== undefined) names.add(name);
  }
  return { names: [...names].sort(), listed };
}

/** Names of every secret of the manager's scope, sorted (real pagination on the wire). */
export async function listNames(manager: SecretsManager): Promise<string[]> {
  return (await listScope(manager)).names;
}

/** One secret to read in a batch: its name and the entry names that may hold it. */
type NamedLookup = { name: string; lookup: Extract<EntryLookup, { by: 'name' }> };

/**
 * The secrets of one batch read (`values` from `getValues`, `listed` the metadata of the
 * scope's listing); `unlisted` gets the names read but not listed (created after the listing).
 */
function secretsOfBatch(
  manager: SecretsManager,
  lookups: NamedLookup[],
  values: Map<string, SecretValues>,
  listed: Map<string, SecretMetadata>,
  unlisted: string[],
): Map<string, ManagedSecret> {
  const { scoping, ctx } = manager;
  const found = new Map<string, ManagedSecret>();
  for (const { name, lookup } of lookups) {
    const entries = lookup.names.flatMap((entryName) => {
      const entryValues = values.get(entryName);
      const metadata = listed.get(entryName);
      return entryValues && metadata ? [{ name: entryName, values: entryValues, metadata }] : [];
    });
    const mine = entries.filter((e) => scoping.secretNameOf(ctx, e) === name);
    if (mine.length > 0) {
      const secret = scoping.fromEntries(mine);
      found.set(name, { name, ...secret, keys: Object.keys(secret.values).sort(), manager });
    } else if (lookup.names.some((n) => values.has(n))) unlisted.push(name);
  }
  return found;
}

/**
 * Loads many secrets of one manager; absent ones are left out. A back-end with a batch read
 * (`getValues`) is listed once (the metadata that shows an entry belongs to the scope) and
 * then read in batches; otherwise each secret is loaded on its own. `listedBefore`: the
 * metadata of a listing just made (listScope), used instead of listing again.
 */
export function batchLoader(
  manager: SecretsManager,
  listedBefore?: Map<string, SecretMetadata>,
): (names: string[]) => Promise<Map<string, ManagedSecret>> {
  const { scoping, ctx, backend } = manager;
  let listing: Promise<Map<string, SecretMetadata>> | undefined =
    listedBefore && Promise.resolve(listedBefore);
  const loadEach = async (names: string[]) => {
    const loaded = await Promise.all(names.map((name) => load(manager, name)));
    return new Map(loaded.filter((s) => s !== undefined).map((s) => [s.name, s]));
  };
  return async (names) => {
    const lookups = names.map((name) => {
      scoping.validateName(ctx, name);
      return { name, lookup: scoping.entryLookup(ctx, name) };
    });
    const byName = lookups.filter((l): l is NamedLookup => l.lookup.by === 'name');
    if (!backend.getValues || byName.length < lookups.length) return loadEach(names);
    listing ??= listAll(backend, scoping.listQuery(ctx)).then(
      (entries) => new Map(entries.map((e) => [e.name, e.metadata])),
    );
    const listed = await listing;
    const values = await backend.getValues(byName.flatMap(({ lookup }) => lookup.names));
    const unlisted: string[] = [];
    const found = secretsOfBatch(manager, byName, values, listed, unlisted);
    for (const [name, secret] of await loadEach(unlisted)) found.set(name, secret);
    return found;
  };
}
