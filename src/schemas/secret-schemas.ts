import { BadUserInputError, type InputIssue } from '../errors.js';
import { type FieldSpec, zodForField } from './field-spec.js';
import { keyForPath, secretKeyProblem, secretSizeIssues } from './secret-limits.js';

/** A secret schema: a typed set of keys (unknown keys rejected unless arbitrary). */
export interface SecretSchema {
  type: string;
  fields: FieldSpec[];
  allowsArbitraryKeys: boolean;
}

const str = (name: string, required = true, sensitive = true): FieldSpec => ({
  name,
  type: 'string',
  required,
  sensitive,
});

const BUILT_IN: SecretSchema[] = [
  { type: 'arbitrary', fields: [], allowsArbitraryKeys: true },
  {
    type: 'aws',
    fields: [str('aws_access_key_id'), str('aws_secret_access_key'), str('aws_session_token', false)],
    allowsArbitraryKeys: false,
  },
  {
    type: 'gcp',
    // ZenML 0.35–0.45 (`secret/schemas/gcp_secret_schema.py`): `token: str`, parsed as JSON only
    // when credentials are built from it.
    fields: [str('token')],
    allowsArbitraryKeys: false,
  },
  {
    type: 'azure',
    fields: [
      str('account_name', false, false),
      str('account_key', false),
      str('sas_token', false),
      str('connection_string', false),
      str('client_id', false, false),
      str('client_secret', false),
      str('tenant_id', false, false),
    ],
    allowsArbitraryKeys: false,
  },
  { type: 'basic_auth', fields: [str('username', true, false), str('password')], allowsArbitraryKeys: false },
  // Not in ZenML 0.35–0.45 (its schemas: arbitrary, aws, gcp, azure, basic_auth): an addition.
  {
    type: 'mysql',
    fields: [
      str('user', false, false),
      str('password', false),
      str('ssl_ca', false),
      str('ssl_cert', false),
      str('ssl_key', false),
      { name: 'ssl_verify_server_cert', type: 'boolean', required: false, default: false, sensitive: false },
    ],
    allowsArbitraryKeys: false,
  },
];

function stringifyValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The values with the schema's fields first, in their declaration order, then any other keys in
 * the order given: the order of pydantic's `dict()` that ZenML's payloads (`json.dumps`) keep.
 */
export function inDeclarationOrder(
  schema: SecretSchema,
  values: Record<string, string>,
): Record<string, string> {
  const ordered: Array<[string, string]> = [];
  for (const field of schema.fields)
    if (Object.hasOwn(values, field.name)) ordered.push([field.name, values[field.name]]);
  const declared = new Set(schema.fields.map((f) => f.name));
  for (const [key, value] of Object.entries(values)) if (!declared.has(key)) ordered.push([key, value]);
  return Object.fromEntries(ordered);
}

/** The schemas known to the gateway, by type name; register custom ones in code. */
export class SecretSchemaRegistry {
  private readonly schemas = new Map<string, SecretSchema>();

  constructor(schemas: SecretSchema[] = BUILT_IN) {
    for (const schema of schemas) this.register(schema);
  }

  register(schema: SecretSchema): void {
    this.schemas.set(schema.type, schema);
  }

  list(): SecretSchema[] {
    return [...this.schemas.values()];
  }

  /** The schema, or BAD_USER_INPUT listing the known types. */
  get(type: string, path = 'schema'): SecretSchema {
    const schema = this.schemas.get(type);
    if (!schema) {
      throw new BadUserInputError(`Unknown secret schema "${type}"`, [
        { path, message: `unknown schema "${type}"; known: ${[...this.schemas.keys()].join(', ')}` },
      ]);
    }
    return schema;
  }

  /**
   * Checks values against a schema (required keys, known keys, types) and returns them
   * normalized as strings with defaults filled in. Collects every problem into `issues`.
   */
  normalize(
    schema: SecretSchema,
    values: Record<string, unknown>,
    issues: InputIssue[],
    path = 'values',
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const known = new Map(schema.fields.map((f) => [f.name, f]));
    for (const [key, value] of Object.entries(values)) {
      const keyProblem = secretKeyProblem(key);
      if (keyProblem) {
        issues.push({ path: `${path}.${keyForPath(key)}`, message: keyProblem });
        continue;
      }
      const field = known.get(key);
      if (!field) {
        if (schema.allowsArbitraryKeys) {
          if (typeof value !== 'string') issues.push({ path: `${path}.${key}`, message: 'must be a string' });
          else out[key] = value;
        } else {
          issues.push({
            path: `${path}.${key}`,
            message: `unknown key for schema "${schema.type}"; allowed: ${schema.fields.map((f) => f.name).join(', ')}`,
          });
        }
        continue;
      }
      if (value === null || value === undefined) continue;
      const parsed = zodForField(field).safeParse(value);
      if (!parsed.success) {
        issues.push({ path: `${path}.${key}`, message: parsed.error.issues[0].message });
        continue;
      }
      out[key] =
        typeof value === 'string' && field.type === 'json_object' ? value : stringifyValue(parsed.data);
    }
    for (const field of schema.fields) {
      if (out[field.name] !== undefined || issues.some((i) => i.path === `${path}.${field.name}`)) continue;
      if (field.default !== undefined) out[field.name] = String(field.default);
      else if (field.required) issues.push({ path: `${path}.${field.name}`, message: 'required' });
    }
    issues.push(...secretSizeIssues(out, path));
    return inDeclarationOrder(schema, out);
  }
}
