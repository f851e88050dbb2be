import type { BackendListQuery, SecretMetadata } from '../backends/backend.js';
import { BackendError, BadUserInputError } from '../errors.js';
import {
  includesMetadata,
  SCOPE_KEY,
  SECRET_NAME_KEY,
  scopeMetadata,
  secretMetadata,
} from './scope-metadata.js';
import { scopedName, scopePrefix } from './scope-path.js';
import type { EntryLookup, ScopeContext, ScopedEntry } from './scoping.js';
import { rawValue, withSchemaName } from './zenml-payload.js';

/**
 * The parts GCP and Azure share: scoped names joined with `-`
 * (`ZENML_GCP_SECRET_SCOPE_PATH_SEPARATOR`, `ZENML_AZURE_SECRET_SCOPE_PATH_SEPARATOR`), the
 * secret name read from the `zenml_secret_name` label/tag (a `-` can't be split off a name
 * that may itself contain `-`), and the legacy one-entry-per-key layout of scope none, whose
 * entries carry the secret name in `zenml-group-key` and the schema in `zenml-schema-name`.
 */
export const DASH_SEPARATOR = '-';
export const LEGACY_GROUP_KEY = 'zenml-group-key';
export const LEGACY_SCHEMA_KEY = 'zenml-schema-name';

/** Listing of a scope: scope none lists entries without scope labels/tags (legacy layout). */
export function dashListQuery(ctx: ScopeContext): BackendListQuery {
  if (ctx.scope === 'none') return { withoutMetadataKey: SCOPE_KEY };
  return { namePrefix: scopePrefix(ctx, DASH_SEPARATOR), metadata: scopeMetadata(ctx) };
}

/** Where a secret's entries are: scope none lists its group's per-key entries; else one name. */
export function dashEntryLookup(ctx: ScopeContext, secretName: string): EntryLookup {
  if (ctx.scope === 'none') {
    return { by: 'listing', query: { metadata: { [LEGACY_GROUP_KEY]: secretName } } };
  }
  return { by: 'name', names: [scopedName(ctx, secretName, DASH_SEPARATOR)] };
}

/** The one entry of a scoped (not none) secret: dash-joined name, payload with schema, metadata. */
export function scopedEntry(
  ctx: ScopeContext,
  secretName: string,
  schema: string,
  values: Record<string, string>,
): ScopedEntry {
  return {
    name: scopedName(ctx, secretName, DASH_SEPARATOR),
    values: withSchemaName(values, schema),
    metadata: secretMetadata(ctx, secretName, schema),
  };
}

/**
 * Secret name of a scoped entry: its `zenml_secret_name` label, when the entry's name is the
 * scope prefix plus that label and its labels hold the scope metadata.
 */
export function scopedSecretNameOf(
  ctx: ScopeContext,
  entry: { name: string; metadata: SecretMetadata },
): string | undefined {
  const secretName = entry.metadata[SECRET_NAME_KEY];
  if (!secretName) return undefined;
  if (entry.name !== scopePrefix(ctx, DASH_SEPARATOR) + secretName) return undefined;
  return includesMetadata(entry.metadata, scopeMetadata(ctx)) ? secretName : undefined;
}

/** The secret (group) a legacy per-key entry belongs to; undefined for any other entry. */
export function legacyGroupOf(entry: { metadata: SecretMetadata }): string | undefined {
  if (Object.hasOwn(entry.metadata, SCOPE_KEY)) return undefined;
  return entry.metadata[LEGACY_GROUP_KEY] || undefined;
}

/** True when the entries are legacy per-key entries (all of them carry a group). */
export function areLegacyEntries(entries: ScopedEntry[]): boolean {
  return entries.length > 0 && entries.every((entry) => legacyGroupOf(entry) !== undefined);
}

/**
 * Merges legacy per-key entries into one secret: each entry's key (from `keyOf`) and raw
 * value; the schema from `zenml-schema-name` (the last entry's, as ZenML read them).
 */
export function mergeLegacyEntries(
  entries: ScopedEntry[],
  keyOf: (entry: ScopedEntry, group: string) => string,
): { schema: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  let schema = 'arbitrary';
  for (const entry of entries) {
    const group = legacyGroupOf(entry);
    if (group === undefined) throw new BackendError(`Backend entry "${entry.name}" is not a per-key entry`);
    values[keyOf(entry, group)] = rawValue(entry.values);
    schema = entry.metadata[LEGACY_SCHEMA_KEY] || schema;
  }
  return { schema, values };
}

/** BAD_USER_INPUT when a per-key layout would store no entry at all. */
export function requireSomeKey(values: Record<string, string>): void {
  if (Object.keys(values).length === 0) {
    throw new BadUserInputError('A secret needs at least one key with scope none', [
      {
        path: 'values',
        message: 'with scope none each key is stored as its own backend secret: give at least one',
      },
    ]);
  }
}
