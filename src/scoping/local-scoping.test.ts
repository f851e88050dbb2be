import { describe, expect, it } from 'vitest';
import { inputError } from '../../test/helpers/scope-contexts.js';
import { BadUserInputError } from '../errors.js';
import { localScoping as local } from './local-scoping.js';
import type { ScopeContext } from './scoping.js';

const noneA: ScopeContext = {
  scope: 'none',
  componentId: '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01',
  componentName: 'local-secrets',
};

describe('local scoping: the YAML layout', () => {
  it('names are the YAML keys; values base64 (encode_secret), zenml_schema_name in clear, no metadata', () => {
    expect(local.toEntries(noneA, 'db', 'basic_auth', { username: 'admin', password: 's3cr3t' })).toEqual([
      {
        name: 'db',
        values: { username: 'YWRtaW4=', password: 'czNjcjN0', zenml_schema_name: 'basic_auth' },
        metadata: {},
      },
    ]);
    expect(local.entryLookup(noneA, 'db')).toEqual({ by: 'name', names: ['db'] });
  });

  it('lists the whole file; every name belongs to the one scope', () => {
    expect(local.listQuery(noneA)).toEqual({});
    expect(local.secretNameOf(noneA, { name: 'Any name.with/odd chars', metadata: {} })).toBe(
      'Any name.with/odd chars',
    );
  });

  it('round trips unicode, empty and multi-line values', () => {
    const values = { a: 'pässwörd', b: '', c: 'line1\nline2', d: '{"x": 1}' };
    expect(local.fromEntries(local.toEntries(noneA, 'db', 'arbitrary', values))).toEqual({
      schema: 'arbitrary',
      values,
    });
  });

  it('reads a secrets.yaml entry as ZenML wrote it', () => {
    // secrets.yaml:  db:\n  username: YWRtaW4=\n  password: cMOkc3N3w7ZyZA==\n  zenml_schema_name: basic_auth
    const entry = {
      name: 'db',
      values: { username: 'YWRtaW4=', password: 'cMOkc3N3w7ZyZA==', zenml_schema_name: 'basic_auth' },
      metadata: {},
    };
    expect(local.fromEntries([entry])).toEqual({
      schema: 'basic_auth',
      values: { username: 'admin', password: 'pässwörd' },
    });
  });
});

describe('local scoping: rules', () => {
  it.each(['global', 'component', 'namespace'] as const)('does not support scope %s', (scope) => {
    const ctx: ScopeContext = { ...noneA, scope, namespace: 'ns' };
    const error = inputError(() => local.validateContext(ctx));
    expect(error.issues).toEqual([{ path: 'scope', message: expect.stringContaining('scope must be none') }]);
    expect(() => local.toEntries(ctx, 'db', 'arbitrary', { k: 'v' })).toThrow(BadUserInputError);
  });

  it('takes any non-empty name', () => {
    expect(() => local.validateName(noneA, 'My Secret/1.0')).not.toThrow();
    expect(inputError(() => local.validateName(noneA, '')).issues[0].path).toBe('name');
  });
});
