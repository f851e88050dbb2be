import { RAW_VALUE_KEY } from '../backends/backend.js';
import { BackendError } from '../errors.js';
import {
  areLegacyEntries,
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
import { checkRule, type NameRule } from './name-rule.js';
import { validateScopeContext } from './scope-context.js';
import type { FlavorScoping, ScopeContext } from './scoping.js';
import { singleEntry } from './single-entry.js';
import { checkReservedKeys, splitSchemaName, storedMap } from './zenml-payload.js';

const WHERE = 'GCP secrets manager';

/** `validate_gcp_secret_name_or_namespace` (names end up in label values), every scope. */
const GCP_NAME_RULE: NameRule = {
  pattern: /^[a-z0-9_-]+$/,
  maxLength: 63,
  description:
    'GCP secret names and namespaces may contain only lowercase letters, digits, _ and - ([a-z0-9_-]+) and be at most 63 characters, as they are also stored in labels',
};

/** GCP label values (component name and UUID, schema). */
const GCP_LABEL_VALUE_RULE: NameRule = {
  pattern: /^[a-z0-9_-]*$/,
  maxLength: 63,
  description:
    'GCP label values may contain only lowercase letters, digits, _ and - and be at most 63 characters',
};

/** A GCP secret id; the legacy layout names one per key. */
const GCP_LEGACY_SECRET_ID_RULE: NameRule = {
  pattern: /^[A-Za-z0-9_-]+$/,
  maxLength: 255,
  description:
    'with scope none GCP stores each key as its own secret "<secret>_<key>", and GCP secret ids may contain only letters, digits, _ and - and be at most 255 characters',
};

function validateContext(ctx: ScopeContext): void {
  validateScopeContext(ctx, {
    where: WHERE,
    supportsScoping: true,
    namespaceRule: GCP_NAME_RULE,
    metadataValueRule: GCP_LABEL_VALUE_RULE,
  });
}

function validateName(_ctx: ScopeContext, secretName: string): void {
  checkRule('secret name', secretName, WHERE, 'name', GCP_NAME_RULE);
}

/**
 * GCP Secret Manager (ZenML `integrations/gcp/secrets_manager/gcp_secrets_manager.py`,
 * `flavors/gcp_secrets_manager_flavor.py`). Entry names are secret ids (no `projects/…`).
 * - Scoped: id `zenml-<scope>[-<uuid or ns>]-<name>`, labels = full metadata, payload = JSON
 *   of content + `zenml_schema_name`; an update adds a version, reads use `latest`.
 * - Scope none (legacy): one secret per key, id `<name>_<key>`, payload = the bare value,
 *   labels `zenml-group-key` = name and `zenml-schema-name` = schema. ZenML listed them with
 *   `labels.zenml-group-key:*` (this query: no `zenml_scope` label; `secretNameOf` keeps
 *   those with a group) and one secret's with `labels.zenml-group-key=<name>`.
 */
export const gcpScoping: FlavorScoping = {
  flavor: 'gcp',
  supportsScoping: true,
  validateContext,
  validateName,

  toEntries(ctx, secretName, schema, values) {
    validateContext(ctx);
    validateName(ctx, secretName);
    checkRule('schema', schema, WHERE, 'schema', GCP_LABEL_VALUE_RULE);
    if (ctx.scope === 'none') {
      checkReservedKeys(values);
      requireSomeKey(values);
      return Object.entries(values).map(([key, value]) => {
        const name = `${secretName}_${key}`;
        checkRule('secret id', name, WHERE, `values.${key}`, GCP_LEGACY_SECRET_ID_RULE);
        return {
          name,
          values: { [RAW_VALUE_KEY]: value },
          metadata: { [LEGACY_GROUP_KEY]: secretName, [LEGACY_SCHEMA_KEY]: schema },
        };
      });
    }
    return [scopedEntry(ctx, secretName, schema, values)];
  },

  entryLookup: dashEntryLookup,
  listQuery: dashListQuery,

  secretNameOf(ctx, entry) {
    if (ctx.scope !== 'none') return scopedSecretNameOf(ctx, entry);
    const group = legacyGroupOf(entry);
    if (group === undefined || !entry.name.startsWith(`${group}_`) || entry.name === `${group}_`) {
      return undefined;
    }
    return group;
  },

  fromEntries(entries) {
    if (areLegacyEntries(entries)) {
      // `remove_group_name_from_key`: the key is the id without "<name>_".
      return mergeLegacyEntries(entries, (entry, group) => {
        if (!entry.name.startsWith(`${group}_`)) {
          throw new BackendError(`GCP secret "${entry.name}" does not start with "${group}_"`);
        }
        return entry.name.slice(group.length + 1);
      });
    }
    const entry = singleEntry(entries);
    return splitSchemaName(storedMap(entry.name, entry.values));
  },
};
