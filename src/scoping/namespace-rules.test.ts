import { describe, expect, it } from 'vitest';
import { basicAuth, componentA, globalA, inputError, noneA } from '../../test/helpers/scope-contexts.js';
import type { ScopeContext } from './scoping.js';
import { scopingFor } from './scoping.js';

// ZenML 0.40 (`*_secrets_manager_flavor.py`, `_validate_scope`): a namespace, when set, is checked
// with the flavor's own rule whatever the scope (Azure: not with scope none), and only scope
// `namespace` uses it (`_get_scope_path`, `_get_secret_scope_metadata`).
const withNamespace = (ctx: ScopeContext, namespace: string): ScopeContext => ({ ...ctx, namespace });

describe('namespace: the flavor rule applies on every scope', () => {
  it.each([
    // AWS and Vault: re.fullmatch(r"[a-zA-Z0-9_+=\.@\-]*", ...)
    ['aws', 'team.a@b+c=d_e-f', true],
    ['aws', 'ml team', false],
    ['aws', 'a/b', false],
    ['vault', 'team.a@b+c=d_e-f', true],
    ['vault', 'ml team', false],
    // GCP: [a-z0-9_\-]+ and at most 63 characters
    ['gcp', 'ml_team-1', true],
    ['gcp', 'ML', false],
    ['gcp', 'a.b', false],
    ['gcp', 'x'.repeat(63), true],
    ['gcp', 'x'.repeat(64), false],
    // Azure: [0-9a-zA-Z-]+ and at most 100 characters
    ['azure', 'ML-team', true],
    ['azure', 'ml_team', false],
    ['azure', 'x'.repeat(101), false],
  ])('%s namespace %j valid=%s on scopes global, component and namespace', (flavor, namespace, valid) => {
    const scoping = scopingFor(flavor);
    for (const scope of ['global', 'component', 'namespace'] as const) {
      const ctx = withNamespace({ ...globalA, scope }, namespace as string);
      if (valid) expect(() => scoping.validateContext(ctx)).not.toThrow();
      else expect(inputError(() => scoping.validateContext(ctx)).issues[0].path).toBe('namespace');
    }
  });

  it('scope none: checked by AWS, GCP and Vault, not by Azure (its validator returns early)', () => {
    expect(
      inputError(() => scopingFor('aws').validateContext(withNamespace(noneA, 'a b'))).issues[0].path,
    ).toBe('namespace');
    expect(
      inputError(() => scopingFor('gcp').validateContext(withNamespace(noneA, 'ML'))).issues[0].path,
    ).toBe('namespace');
    expect(() => scopingFor('azure').validateContext(withNamespace(noneA, 'ml_team'))).not.toThrow();
  });
});

describe('namespace on another scope: accepted and ignored', () => {
  it.each(['aws', 'gcp', 'azure', 'vault'])(
    '%s writes the same name and tags with or without it',
    (flavor) => {
      const scoping = scopingFor(flavor);
      for (const ctx of [globalA, componentA]) {
        const plain = scoping.toEntries(ctx, 'db', 'basic_auth', basicAuth);
        const namespaced = scoping.toEntries(withNamespace(ctx, 'other'), 'db', 'basic_auth', basicAuth);
        expect(namespaced).toEqual(plain);
        expect(Object.keys(namespaced[0].metadata)).not.toContain('zenml_namespace');
        expect(scoping.listQuery(withNamespace(ctx, 'other'))).toEqual(scoping.listQuery(ctx));
      }
    },
  );

  it('names stay ZenML names: zenml/global/db, zenml-component-<uuid>-db', () => {
    expect(
      scopingFor('aws').toEntries(withNamespace(globalA, 'other'), 'db', 'arbitrary', { a: 'b' })[0].name,
    ).toBe('zenml/global/db');
    expect(
      scopingFor('gcp').toEntries(withNamespace(componentA, 'other'), 'db', 'arbitrary', { a: 'b' })[0].name,
    ).toBe('zenml-component-0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01-db');
  });
});
