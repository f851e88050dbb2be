import type { BackendEntry, BackendListQuery, SecretMetadata } from '../backends/backend.js';
import { BadUserInputError } from '../errors.js';
import type { SecretsManagerScope } from '../flavors/component-types.js';
import { awsScoping } from './aws-scoping.js';
import { azureScoping } from './azure-scoping.js';
import { gcpScoping } from './gcp-scoping.js';
import { localScoping } from './local-scoping.js';
import { vaultScoping } from './vault-scoping.js';

/**
 * Scoping: how a secrets manager component turns (scope, namespace, component, secret name)
 * into backend-native names, values and metadata, exactly as ZenML 0.35–0.45 did
 * (`secrets_managers/base_secrets_manager.py` and each integration's secrets manager).
 * Pure: no I/O; the services pair it with a `SecretBackend`.
 *
 * Shape decisions (where ZenML's facts bend the first sketch):
 * - `validateName` takes the context: Azure checks names only for scoped secrets, and the
 *   legacy layouts have their own limits. `validateContext` checks the component side
 *   (scope support, namespace rule, values that end up in tags/labels).
 * - `entryLookup` replaces a plain list of names: GCP and Azure with scope `none` keep one
 *   backend secret per key, and the keys are only known by listing. A `name` lookup gives
 *   the names to get/delete; a `listing` lookup gives the query whose entries, filtered by
 *   `secretNameOf(ctx, entry) === secretName`, hold the secret.
 * - `ScopedEntry.values` is what the back-end stores: for JSON-payload back-ends (aws, gcp,
 *   azure) a map the adapter serializes as a JSON object, or `{ [RAW_VALUE_KEY]: payload }`
 *   for a raw payload (legacy per-key entries). `fromEntries` accepts both forms.
 * - Values are base64-encoded by the local scoping (ZenML's YAML layout), so the local
 *   adapter stores the map verbatim.
 */
export interface ScopeContext {
  scope: SecretsManagerScope;
  /** Required (and only used) with scope `namespace`. */
  namespace?: string;
  /** The secrets manager component's UUID (lowercase, as Python's `str(uuid)`). */
  componentId: string;
  componentName: string;
}

/** What to write to (or what was read from) the back-end. */
export type ScopedEntry = BackendEntry;

/**
 * Where a secret's backend entries are. After a `name` lookup, an entry that exists but
 * for which `secretNameOf` doesn't return the secret name belongs to another scope
 * (ZenML checked the scope tags after reading too): treat it as absent.
 */
export type EntryLookup = { by: 'name'; names: string[] } | { by: 'listing'; query: BackendListQuery };

export const SCOPING_FLAVORS = ['local', 'aws', 'gcp', 'azure', 'vault'] as const;
export type ScopingFlavor = (typeof SCOPING_FLAVORS)[number];

export interface FlavorScoping {
  flavor: ScopingFlavor;
  /** False: only scope `none` (ZenML's `SUPPORTS_SCOPING`). */
  supportsScoping: boolean;
  /** Throws BadUserInputError when the component's scope, namespace or name can't be used. */
  validateContext(ctx: ScopeContext): void;
  /** Throws BadUserInputError naming the back-end's rule when the secret name can't be used. */
  validateName(ctx: ScopeContext, secretName: string): void;
  /**
   * Backend entries for a secret (one; GCP/Azure with scope `none`: one per key). Validates
   * the context and name first; values are content plus `zenml_schema_name`.
   */
  toEntries(
    ctx: ScopeContext,
    secretName: string,
    schema: string,
    values: Record<string, string>,
  ): ScopedEntry[];
  /** How to find the entries of one secret (by name, or by listing for per-key layouts). */
  entryLookup(ctx: ScopeContext, secretName: string): EntryLookup;
  /**
   * The list query for this scope's entries (prefix + metadata, or `withoutMetadataKey` for
   * `none`). May return more than the scope holds; keep only entries `secretNameOf` accepts.
   * Per-key layouts list one entry per key: deduplicate the names.
   */
  listQuery(ctx: ScopeContext): BackendListQuery;
  /** Secret name of a listed entry if it belongs to this scope (prefix AND metadata), else undefined. */
  secretNameOf(ctx: ScopeContext, entry: { name: string; metadata: SecretMetadata }): string | undefined;
  /** Schema and values back from stored entries (strips `zenml_schema_name`; merges per-key entries). */
  fromEntries(entries: ScopedEntry[]): { schema: string; values: Record<string, string> };
}

const SCOPINGS: Record<ScopingFlavor, FlavorScoping> = {
  local: localScoping,
  aws: awsScoping,
  gcp: gcpScoping,
  azure: azureScoping,
  vault: vaultScoping,
};

/** The scoping of a secrets manager flavor; BAD_USER_INPUT for a flavor without one. */
export function scopingFor(flavor: string): FlavorScoping {
  if (!Object.hasOwn(SCOPINGS, flavor)) {
    throw new BadUserInputError(`No secrets manager scoping for flavor "${flavor}"`, [
      { path: 'flavor', message: `unknown secrets manager flavor; known: ${SCOPING_FLAVORS.join(', ')}` },
    ]);
  }
  return SCOPINGS[flavor as ScopingFlavor];
}
