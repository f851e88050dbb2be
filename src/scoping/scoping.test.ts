import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../errors.js';
import type { SecretsManagerScope } from '../flavors/component-types.js';
import { type ScopeContext, scopingFor } from './scoping.js';

const A = '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01';

function context(scope: SecretsManagerScope): ScopeContext {
  return {
    scope,
    namespace: scope === 'namespace' ? 'ml-team' : undefined,
    componentId: A,
    componentName: 'team',
  };
}

describe('scopingFor', () => {
  it.each(['local', 'aws', 'gcp', 'azure', 'vault'])('knows %s', (flavor) => {
    expect(scopingFor(flavor).flavor).toBe(flavor);
  });

  it('says which flavors support scoping', () => {
    expect(['local', 'aws', 'gcp', 'azure', 'vault'].map((f) => scopingFor(f).supportsScoping)).toEqual([
      false,
      true,
      true,
      true,
      true,
    ]);
  });

  it.each(['sql', 'toString', ''])('rejects %j, listing the known flavors', (flavor) => {
    expect(() => scopingFor(flavor)).toThrow(BadUserInputError);
    try {
      scopingFor(flavor);
    } catch (error) {
      expect((error as BadUserInputError).issues[0].message).toContain('local, aws, gcp, azure, vault');
    }
  });
});

const scopedCases = ['aws', 'gcp', 'azure', 'vault'].flatMap((flavor) =>
  (['none', 'global', 'component', 'namespace'] as const).map((scope) => [flavor, scope] as const),
);

describe('every scoping flavor and scope', () => {
  it.each([...scopedCases, ['local', 'none'] as const])(
    '%s/%s: toEntries → fromEntries round trip',
    (flavor, scope) => {
      const scoping = scopingFor(flavor);
      const values = { user: 'admin', password: 'p@ss wörd\n', token: '{"a": "b"}', blank: '' };
      const entries = scoping.toEntries(context(scope), 'db-1', 'arbitrary', values);
      expect(entries.every((e) => scoping.secretNameOf(context(scope), e) === 'db-1')).toBe(true);
      expect(scoping.fromEntries(entries)).toEqual({ schema: 'arbitrary', values });
    },
  );

  it.each(scopedCases)('%s/%s: reserves the zenml_schema_name key', (flavor, scope) => {
    expect(() =>
      scopingFor(flavor).toEntries(context(scope), 'db', 'arbitrary', { zenml_schema_name: 'x' }),
    ).toThrow(BadUserInputError);
  });

  it.each(['aws', 'gcp', 'azure', 'vault'])(
    '%s: namespace scope without a namespace is bad input',
    (flavor) => {
      const ctx: ScopeContext = { scope: 'namespace', componentId: A, componentName: 'team' };
      const scoping = scopingFor(flavor);
      for (const call of [
        () => scoping.validateContext(ctx),
        () => scoping.listQuery(ctx),
        () => scoping.entryLookup(ctx, 'db'),
        () => scoping.toEntries(ctx, 'db', 'arbitrary', { k: 'v' }),
      ]) {
        expect(call).toThrow(BadUserInputError);
      }
    },
  );
});
