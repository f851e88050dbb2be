import type { SecretValues } from '../backends/backend.js';
import { ruleError } from './name-rule.js';
import { validateScopeContext } from './scope-context.js';
import type { FlavorScoping, ScopeContext } from './scoping.js';
import { singleEntry } from './single-entry.js';
import { checkReservedKeys, SCHEMA_NAME_KEY, splitSchemaName } from './zenml-payload.js';

const WHERE = 'local secrets manager';

function validateContext(ctx: ScopeContext): void {
  validateScopeContext(ctx, { where: WHERE, supportsScoping: false });
}

function validateName(_ctx: ScopeContext, secretName: string): void {
  // ZenML took any YAML key; an empty one couldn't be addressed.
  if (!secretName)
    throw ruleError('secret name', secretName, WHERE, 'name', 'secret names must not be empty');
}

/**
 * Local YAML file (ZenML `secrets_managers/local/local_secrets_manager.py`,
 * `secrets_managers/utils.py`): no scoping (scope none only); the file maps each secret name
 * to its keys, every value base64-encoded (`encode_secret`), plus `zenml_schema_name` in
 * clear. The encoding happens here: the local adapter stores the map as given.
 */
export const localScoping: FlavorScoping = {
  flavor: 'local',
  supportsScoping: false,
  validateContext,
  validateName,

  toEntries(ctx, secretName, schema, values) {
    validateContext(ctx);
    validateName(ctx, secretName);
    checkReservedKeys(values);
    const encoded: SecretValues = {};
    for (const [key, value] of Object.entries(values)) {
      encoded[key] = Buffer.from(value, 'utf8').toString('base64');
    }
    encoded[SCHEMA_NAME_KEY] = schema;
    return [{ name: secretName, values: encoded, metadata: {} }];
  },

  entryLookup(_ctx, secretName) {
    return { by: 'name', names: [secretName] };
  },

  listQuery() {
    return {};
  },

  secretNameOf(_ctx, entry) {
    return entry.name || undefined;
  },

  fromEntries(entries) {
    const { schema, values } = splitSchemaName(singleEntry(entries).values);
    const decoded: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      decoded[key] = Buffer.from(String(value), 'base64').toString('utf8');
    }
    return { schema, values: decoded };
  },
};
