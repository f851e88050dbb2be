import { RAW_VALUE_KEY } from '../backends/backend.js';
import { BackendError } from '../errors.js';
import {
  areLegacyEntries,
  DASH_SEPARATOR,
  dashEntryLookup,
  dashListQuery,
  LEGACY_GROUP_KEY,
  LEGACY_SCHEMA_KEY,
  legacyGroupOf,
  mergeLegacyEntries,
  requireSomeKey,
  scopedEntry,
  scopedSecretNameOf,
} from './dash-scope.js';
import { checkRule, type NameRule, ruleError } from './name-rule.js';
import { validateScopeContext } from './scope-context.js';
import { scopedName } from './scope-path.js';
import type { FlavorScoping, ScopeContext } from './scoping.js';
import { singleEntry } from './single-entry.js';
import { checkReservedKeys, splitSchemaName, storedMap } from './zenml-payload.js';

const WHERE = 'Azure secrets manager';
/** Tag naming the key of a legacy per-key entry (`ZENML_KEY_NAME`). */
export const LEGACY_KEY_NAME_KEY = 'zenml-key-name';
/** Key Vault object names: 1–127 of `[0-9a-zA-Z-]`. */
const KEY_VAULT_MAX_NAME = 127;

/** `validate_azure_secret_name_or_namespace` (scoped secrets only). */
const AZURE_NAME_RULE: NameRule = {
  pattern: /^[0-9a-zA-Z-]+$/,
  maxLength: 100,
  description:
    'Azure secret names and namespaces may contain only letters, digits and - ([0-9a-zA-Z-]+) and be at most 100 characters',
};

const AZURE_TAG_VALUE_RULE: NameRule = {
  pattern: /^[\s\S]*$/,
  maxLength: 256,
  description: 'Azure tag values are at most 256 characters',
};

const LEGACY_NAME_RULE =
  'with scope none Azure stores each key as a Key Vault secret named "zenml-" + hex(base64("<secret>-<key>")), and Key Vault names are at most 127 characters: secret name and key may total at most 44 UTF-8 bytes';

/** Name of the legacy per-key entry: `zenml-` + hex of the base64 text of "<secret>-<key>". */
export function legacyEntryName(secretName: string, key: string): string {
  const base64 = Buffer.from(`${secretName}-${key}`, 'utf8').toString('base64');
  return `zenml-${Buffer.from(base64, 'ascii').toString('hex')}`;
}

function validateContext(ctx: ScopeContext): void {
  validateScopeContext(ctx, {
    where: WHERE,
    supportsScoping: true,
    namespaceRule: AZURE_NAME_RULE,
    namespaceUncheckedWithScopeNone: true,
    metadataValueRule: AZURE_TAG_VALUE_RULE,
  });
}

function validateName(ctx: ScopeContext, secretName: string): void {
  if (ctx.scope === 'none') {
    // ZenML didn't check unscoped names (any name becomes hex); only Key Vault's length limit
    // applies, checked here with the shortest key and in toEntries with the real ones.
    if (!secretName || legacyEntryName(secretName, 'k').length > KEY_VAULT_MAX_NAME) {
      throw ruleError('secret name', secretName, WHERE, 'name', LEGACY_NAME_RULE);
    }
    return;
  }
  checkRule('secret name', secretName, WHERE, 'name', AZURE_NAME_RULE);
  const backendName = scopedName(ctx, secretName, DASH_SEPARATOR);
  if (backendName.length > KEY_VAULT_MAX_NAME) {
    const rule = `Key Vault secret names are at most ${KEY_VAULT_MAX_NAME} characters, scope prefix included ("${backendName}" has ${backendName.length})`;
    throw ruleError('secret name', secretName, WHERE, 'name', rule);
  }
}

/**
 * Azure Key Vault (ZenML `integrations/azure/secrets_managers/azure_secrets_manager.py`,
 * `flavors/azure_secrets_manager_flavor.py`).
 * - Scoped: name `zenml-<scope>[-<uuid or ns>]-<name>`, tags = full metadata, value = JSON of
 *   content + `zenml_schema_name`. ZenML listed every secret and kept those whose tags hold
 *   the scope tags, naming them by `zenml_secret_name`.
 * - Scope none (legacy): one secret per key named by `legacyEntryName`, value = the bare
 *   value, tags `zenml-group-key`, `zenml-key-name`, `zenml-schema-name`; found by listing
 *   and matching `zenml-group-key`.
 */
export const azureScoping: FlavorScoping = {
  flavor: 'azure',
  supportsScoping: true,
  validateContext,
  validateName,

  toEntries(ctx, secretName, schema, values) {
    validateContext(ctx);
    validateName(ctx, secretName);
    checkRule('schema', schema, WHERE, 'schema', AZURE_TAG_VALUE_RULE);
    if (ctx.scope === 'none') {
      checkReservedKeys(values);
      requireSomeKey(values);
      return Object.entries(values).map(([key, value]) => {
        const name = legacyEntryName(secretName, key);
        if (name.length > KEY_VAULT_MAX_NAME)
          throw ruleError('key', key, WHERE, `values.${key}`, LEGACY_NAME_RULE);
        return {
          name,
          values: { [RAW_VALUE_KEY]: value },
          metadata: {
            [LEGACY_GROUP_KEY]: secretName,
            [LEGACY_KEY_NAME_KEY]: key,
            [LEGACY_SCHEMA_KEY]: schema,
          },
        };
      });
    }
    return [scopedEntry(ctx, secretName, schema, values)];
  },

  entryLookup: dashEntryLookup,
  listQuery: dashListQuery,

  secretNameOf(ctx, entry) {
    return ctx.scope === 'none' ? legacyGroupOf(entry) : scopedSecretNameOf(ctx, entry);
  },

  fromEntries(entries) {
    if (areLegacyEntries(entries)) {
      return mergeLegacyEntries(entries, (entry, group) => {
        const key = entry.metadata[LEGACY_KEY_NAME_KEY];
        if (key) return key;
        // Before the hex names (ZenML < 0.13) the entry was named "<secret>-<key>".
        if (entry.name.startsWith(`${group}-`)) return entry.name.slice(group.length + 1);
        throw new BackendError(`Azure secret "${entry.name}" has no ${LEGACY_KEY_NAME_KEY} tag`);
      });
    }
    const entry = singleEntry(entries);
    return splitSchemaName(storedMap(entry.name, entry.values));
  },
};
