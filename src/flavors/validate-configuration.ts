import type { InputIssue } from '../errors.js';
import { zodForField } from '../schemas/field-spec.js';
import { SECRETS_MANAGER_SCOPES, type SecretsManagerScope } from './component-types.js';
import type { Flavor } from './flavor-catalog.js';
import { MalformedReferenceError, parseSecretReference, type SecretReference } from './secret-reference.js';

export interface FieldReference extends SecretReference {
  field: string;
}

export interface ValidatedConfiguration {
  configuration: Record<string, unknown>;
  references: FieldReference[];
  warnings: string[];
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
  const fields = new Map(flavor.configFields.map((f) => [f.name, f]));
  const isSecretsManager = flavor.type === 'SECRETS_MANAGER';

  for (const [name, value] of Object.entries(input)) {
    const field = fields.get(name);
    if (!field) {
      issues.push({
        path: `${path}.${name}`,
        message: `unknown field for flavor "${flavor.name}"; allowed: ${[...fields.keys()].join(', ') || 'none'}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    let reference: SecretReference | undefined;
    try {
      reference = parseSecretReference(value);
    } catch (error) {
      if (!(error instanceof MalformedReferenceError)) throw error;
      issues.push({ path: `${path}.${name}`, message: error.message });
      continue;
    }
    if (reference) {
      if (isSecretsManager) {
        issues.push({
          path: `${path}.${name}`,
          message: 'secret references are not allowed in a secrets manager configuration',
        });
      } else if (field.allowsReferences === false) {
        issues.push({ path: `${path}.${name}`, message: `field "${name}" does not allow secret references` });
      } else {
        references.push({ field: name, ...reference });
        configuration[name] = value;
      }
      continue;
    }
    const parsed = zodForField(field).safeParse(value);
    if (!parsed.success) {
      issues.push({ path: `${path}.${name}`, message: parsed.error.issues[0].message });
      continue;
    }
    const problem = field.check?.(parsed.data);
    if (problem) {
      issues.push({ path: `${path}.${name}`, message: problem });
      continue;
    }
    configuration[name] = parsed.data;
    if (field.sensitive && !isSecretsManager && parsed.data !== '') {
      warnings.push(
        `Field "${name}" holds a plain value in a sensitive field; store it as a secret and use a reference such as {{my_secret.${name}}}`,
      );
    }
  }
  for (const field of flavor.configFields) {
    if (configuration[field.name] !== undefined) continue;
    if (field.default !== undefined) configuration[field.name] = field.default;
    else if (field.required && !issues.some((i) => i.path === `${path}.${field.name}`)) {
      issues.push({ path: `${path}.${field.name}`, message: 'required' });
    }
  }
  for (const rule of flavor.rules ?? []) {
    for (const problem of rule(configuration)) {
      const at = `${path}.${problem.field}`;
      if (!issues.some((i) => i.path === at)) issues.push({ path: at, message: problem.message });
    }
  }
  if (isSecretsManager) applyScopeRules(flavor, configuration, issues, warnings, path);
  return { configuration, references, warnings };
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
  if (scope === 'namespace') {
    const namespace = configuration.namespace;
    if (typeof namespace !== 'string' || namespace.trim() === '') {
      issues.push({ path: `${path}.namespace`, message: 'required when scope is namespace' });
    } else if (!/^[A-Za-z0-9_-]+$/.test(namespace)) {
      issues.push({ path: `${path}.namespace`, message: 'may contain letters, digits, _ and - only' });
    }
  } else if (configuration.namespace !== undefined) {
    issues.push({ path: `${path}.namespace`, message: 'only allowed when scope is namespace' });
  }
}
