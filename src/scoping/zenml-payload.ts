import { RAW_VALUE_KEY, type SecretValues } from '../backends/backend.js';
import { BackendError, BadUserInputError } from '../errors.js';

/** ZenML's `ZENML_SCHEMA_NAME`: the key that stores the schema type beside the values. */
export const SCHEMA_NAME_KEY = 'zenml_schema_name';

/** BAD_USER_INPUT when the content itself uses the reserved `zenml_schema_name` key. */
export function checkReservedKeys(values: Record<string, string>): void {
  if (Object.hasOwn(values, SCHEMA_NAME_KEY)) {
    throw new BadUserInputError(`The key "${SCHEMA_NAME_KEY}" is reserved`, [
      { path: `values.${SCHEMA_NAME_KEY}`, message: 'reserved: the schema type is stored under this key' },
    ]);
  }
}

/** Content plus `zenml_schema_name` last (`secret_to_dict`). */
export function withSchemaName(values: Record<string, string>, schema: string): SecretValues {
  checkReservedKeys(values);
  return { ...values, [SCHEMA_NAME_KEY]: schema };
}

/**
 * A stored value as the gateway's string form: ZenML wrote typed values (`false`, `1`) and
 * `null` for unset optional keys into JSON payloads and Vault maps; `null` means absent.
 */
function valueAsString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The key/value map of one stored entry: the values themselves, or the JSON object held in a
 * raw payload (`{ [RAW_VALUE_KEY]: payload }`). BACKEND_ERROR when a raw payload isn't a JSON
 * object (not a secret in ZenML's format).
 */
export function storedMap(entryName: string, values: SecretValues): Record<string, string> {
  let map: Record<string, unknown> = values;
  const keys = Object.keys(values);
  if (keys.length === 1 && keys[0] === RAW_VALUE_KEY) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values[RAW_VALUE_KEY]);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BackendError(`Backend entry "${entryName}" does not hold a JSON object of secret values`);
    }
    map = parsed as Record<string, unknown>;
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    const text = valueAsString(value);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

/**
 * Schema and content of a stored map (`secret_from_dict`): pops `zenml_schema_name`. A map
 * without it (a secret ZenML didn't write) reads as schema `arbitrary`.
 */
export function splitSchemaName(map: Record<string, string>): {
  schema: string;
  values: Record<string, string>;
} {
  const { [SCHEMA_NAME_KEY]: schema, ...values } = map;
  return { schema: schema ?? 'arbitrary', values };
}

/** The one raw value of a legacy per-key entry (written as the bare payload). */
export function rawValue(values: SecretValues): string {
  const keys = Object.keys(values);
  if (keys.length === 1 && keys[0] === RAW_VALUE_KEY) return values[RAW_VALUE_KEY];
  // An adapter that parsed a payload which happened to be a JSON object of strings.
  return JSON.stringify(values);
}
