import type { InputIssue } from '../errors.js';
import { type FieldSpec, zodForField } from '../schemas/field-spec.js';
import { SECRETS_MANAGER_SCOPES, type SecretsManagerScope } from './component-types.js';
import type { Flavor } from './flavor-catalog.js';
import { parseSecretReference, type SecretReference } from './secret-reference.js';

export interface FieldReference extends SecretReference {
  field: string;
}

export interface ValidatedConfiguration {
  configuration: Record<string, unknown>;
  references: FieldReference[];
  warnings: string[];
}

/** What validating one configuration field needs to know. */
interface FieldCheckContext {
  flavor: Flavor;
  fields: Map<string, FieldSpec>;
  isSecretsManager: boolean;
  issues: InputIssue[];
  path: string;
}

/** What one accepted field adds to the result: its value, and a reference or a warning. */
interface FieldOutcome {
  value: unknown;
  reference?: FieldReference;
  warning?: string;
}

/**
 * Checks a component configuration against its flavor: known fields, types (coerced),
 * required fields, secret references where allowed, and the secrets-manager scope rules.
 * Problems go to `issues` (all of them); advice goes to `warnings`.
 */
export function validateConfiguration(
  flavor: Flavor,
  input: Record<string, unknown>,
  issues: InputIssue[],
  path = 'configuration',
): ValidatedConfiguration {
  const configuration: Record<string, unknown> = {};
  const references: FieldReference[] = [];
  const warnings: string[] = [];
  const isSecretsManager = flavor.type === 'SECRETS_MANAGER';
  const context: FieldCheckContext = {
    flavor,
    fields: new Map(flavor.configFields.map((f) => [f.name, f])),
    isSecretsManager,
    issues,
    path,
  };

  for (const [name, value] of Object.entries(input)) {
    const outcome = checkField(context, name, value);
    if (!outcome) continue;
    if (outcome.reference) references.push(outcome.reference);
    configuration[name] = outcome.value;
    if (outcome.warning) warnings.push(outcome.warning);
  }
  applyDefaultsAndRequired(flavor, configuration, issues, path);
  applyFieldRules(flavor, configuration, issues, path);
  if (isSecretsManager) applyScopeRules(flavor, configuration, issues, warnings, path);
  return { configuration, references, warnings };
}

/**
 * Checks one input field: known to the flavor, a secret reference where allowed, or a value of
 * its type passing its own check. Pushes any problem to `issues` and returns `undefined` then
 * (also for a null or undefined value); otherwise returns what the field adds to the result.
 */
function checkField(context: FieldCheckContext, name: string, value: unknown): FieldOutcome | undefined {
  const { flavor, fields, issues, path } = context;
  const field = fields.get(name);
  if (!field) {
    issues.push({
      path: `${path}.${name}`,
      message: `unknown field for flavor "${flavor.name}"; allowed: ${[...fields.keys()].join(', ') || 'none'}`,
    });
    return undefined;
  }
  if (value === null || value === undefined) return undefined;
  // As in ZenML 0.40+, a value that is not a whole reference is a plain value.
  const reference = parseSecretReference(value);
  if (reference) return checkReferenceField(context, field, value, reference);
  const outcome = checkPlainField(context, field, value);
  if (!outcome || typeof value !== 'string' || !value.includes('{{')) return outcome;
  const note = `Field "${name}" is not a secret reference (only a whole value {{secret_name.key}} is one): kept as plain text`;
  return { ...outcome, warning: outcome.warning ? `${outcome.warning}. ${note}` : note };
}

/** A field holding a secret reference: refused in a secrets manager or where the field forbids it. */
function checkReferenceField(
  { isSecretsManager, issues, path }: FieldCheckContext,
  field: FieldSpec,
  value: unknown,
  reference: SecretReference,
): FieldOutcome | undefined {
  const name = field.name;
  if (isSecretsManager) {
    issues.push({
      path: `${path}.${name}`,
      message: 'secret references are not allowed in a secrets manager configuration',
    });
    return undefined;
  }
  if (field.allowsReferences === false) {
    issues.push({ path: `${path}.${name}`, message: `field "${name}" does not allow secret references` });
    return undefined;
  }
  return { value, reference: { field: name, ...reference } };
}

/** A field holding a plain value: coerced to its type, then its own check; warns of a sensitive one. */
function checkPlainField(
  { isSecretsManager, issues, path }: FieldCheckContext,
  field: FieldSpec,
  value: unknown,
): FieldOutcome | undefined {
  const name = field.name;
  const parsed = zodForField(field).safeParse(value);
  if (!parsed.success) {
    issues.push({ path: `${path}.${name}`, message: parsed.error.issues[0].message });
    return undefined;
  }
  const problem = field.check?.(parsed.data);
  if (problem) {
    issues.push({ path: `${path}.${name}`, message: problem });
    return undefined;
  }
  if (field.sensitive && !isSecretsManager && parsed.data !== '') {
    return {
      value: parsed.data,
      warning: `Field "${name}" holds a plain value in a sensitive field; store it as a secret and use a reference such as {{my_secret.${name}}}`,
    };
  }
  return { value: parsed.data };
}

/** Fills unset fields with their defaults; a required field without one (and no issue yet) is an issue. */
function applyDefaultsAndRequired(
  flavor: Flavor,
  configuration: Record<string, unknown>,
  issues: InputIssue[],
  path: string,
): void {
  for (const field of flavor.configFields) {
    if (configuration[field.name] !== undefined) continue;
    if (field.default !== undefined) configuration[field.name] = field.default;
    else if (field.required && !issues.some((i) => i.path === `${path}.${field.name}`)) {
      issues.push({ path: `${path}.${field.name}`, message: 'required' });
    }
  }
}

/** Runs the flavor's cross-field rules; a problem is added unless its field already has an issue. */
function applyFieldRules(
  flavor: Flavor,
  configuration: Record<string, unknown>,
  issues: InputIssue[],
  path: string,
): void {
  for (const rule of flavor.rules ?? []) {
    for (const problem of rule(configuration)) {
      const at = `${path}.${problem.field}`;
      if (!issues.some((i) => i.path === at)) issues.push({ path: at, message: problem.message });
    }
  }
}

/** ZenML's scope rules: default component; non-scoping flavors force none; namespace needs a namespace. */
function applyScopeRules(
  flavor: Flavor,
  configuration: Record<string, unknown>,
  issues: InputIssue[],
  warnings: string[],
  path: string,
): void {
  const given = configuration.scope === undefined ? undefined : String(configuration.scope).toLowerCase();
  if (given !== undefined && !SECRETS_MANAGER_SCOPES.includes(given as SecretsManagerScope)) {
    issues.push({ path: `${path}.scope`, message: `must be one of ${SECRETS_MANAGER_SCOPES.join(', ')}` });
    return;
  }
  if (!flavor.supportsScoping) {
    if (given !== undefined && given !== 'none') {
      issues.push({
        path: `${path}.scope`,
        message: `flavor "${flavor.name}" does not support scoping; scope must be none`,
      });
    }
    configuration.scope = 'none';
    return;
  }
  const scope = (given ?? 'component') as SecretsManagerScope;
  configuration.scope = scope;
  if (scope === 'none') {
    warnings.push(
      'Scope "none" is deprecated and kept for compatibility with unscoped secrets; use scope "global"',
    );
  }
  // ZenML's `namespace_validator`: required (non-empty) with scope namespace; on any scope a
  // namespace given is checked by the flavor's own rule (the scoping's validateContext, when the
  // component is saved) and otherwise ignored.
  const namespace = configuration.namespace;
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    issues.push({ path: `${path}.namespace`, message: 'must be a string' });
  } else if (scope === 'namespace' && !namespace) {
    issues.push({ path: `${path}.namespace`, message: 'required when scope is namespace' });
  }
}
