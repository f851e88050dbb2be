import { payloadTextOf, RAW_VALUE_KEY, type SecretValues } from '../backends/backend.js';
import { BackendError, BadUserInputError } from '../errors.js';
import { pythonJsonLoads } from '../python/python-json.js';
import { pythonStr } from '../python/python-str.js';
import { isPyDict, type PyValue } from '../python/python-values.js';

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
 * The key/value map of one stored entry as Python reads it: the JSON object the payload holds
 * (`json.loads`, read again from the payload text where the back-end kept it, so `1.0`, `null`
 * and nested values keep their Python types), or the values themselves (Vault KV data).
 * BACKEND_ERROR when a raw payload isn't a JSON object (not a secret in ZenML's format).
 */
export function storedMap(entryName: string, values: SecretValues): Record<string, PyValue> {
  const keys = Object.keys(values);
  const raw = keys.length === 1 && keys[0] === RAW_VALUE_KEY ? values[RAW_VALUE_KEY] : payloadTextOf(values);
  if (raw === undefined) return values as Record<string, PyValue>;
  let parsed: PyValue | undefined;
  try {
    parsed = pythonJsonLoads(raw);
  } catch {
    parsed = undefined;
  }
  if (!isPyDict(parsed)) {
    throw new BackendError(`Backend entry "${entryName}" does not hold a JSON object of secret values`);
  }
  return parsed;
}

/**
 * Schema and content of a stored map (`secret_from_dict`): pops `zenml_schema_name`, and makes
 * each value the text ZenML would use for it (`str()`, as when it resolved a reference): `True`,
 * `1.0`, `None`. A typed schema drops `null` values (pydantic's `exclude_none`); `arbitrary`
 * keeps them as `None`. A map without `zenml_schema_name` (ZenML fails on it) reads leniently as
 * schema `arbitrary`.
 */
export function splitSchemaName(map: Record<string, PyValue>): {
  schema: string;
  values: Record<string, string>;
} {
  const { [SCHEMA_NAME_KEY]: schemaValue, ...rest } = map;
  const schema = schemaValue === undefined || schemaValue === null ? 'arbitrary' : pythonStr(schemaValue);
  const values: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(rest)) {
    if (value === null && schema !== 'arbitrary') continue;
    if (value !== undefined) values.push([key, pythonStr(value)]);
  }
  return { schema, values: Object.fromEntries(values) };
}

/** The one raw value of a legacy per-key entry (written as the bare payload). */
export function rawValue(values: SecretValues): string {
  const keys = Object.keys(values);
  if (keys.length === 1 && keys[0] === RAW_VALUE_KEY) return values[RAW_VALUE_KEY];
  // An adapter that parsed a payload which happened to be a JSON object of strings: its text.
  return payloadTextOf(values) ?? JSON.stringify(values);
}
