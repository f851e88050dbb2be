import { describe, expect, it } from 'vitest';
import {
  basicAuth,
  componentA,
  componentB,
  globalA,
  globalB,
  inputError,
  namespaceXA,
  namespaceXB,
  namespaceY,
  noneA,
} from '../../test/helpers/scope-contexts.js';
import type { ScopeContext } from './scoping.js';
import { vaultScoping as vault } from './vault-scoping.js';

describe('vault scoping: KV v2 paths and data', () => {
  it.each<[string, ScopeContext, string]>([
    ['component', componentA, 'zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/db'],
    ['global', globalA, 'zenml/global/db'],
    ['namespace', namespaceXA, 'zenml/namespace/ml-team/db'],
    ['none', noneA, 'db'],
  ])('%s scope: path %s, no metadata, data = content + zenml_schema_name', (_scope, ctx, path) => {
    const entries = vault.toEntries(ctx, 'db', 'basic_auth', basicAuth);
    expect(entries).toEqual([
      {
        name: path,
        values: { username: 'admin', password: 's3cr3t', zenml_schema_name: 'basic_auth' },
        metadata: {},
      },
    ]);
    expect(Object.keys(entries[0].values)).toEqual(['username', 'password', 'zenml_schema_name']);
    expect(vault.entryLookup(ctx, 'db')).toEqual({ by: 'name', names: [path] });
  });

  it('tolerates component names Vault never sees', () => {
    expect(() =>
      vault.toEntries({ ...globalA, componentName: 'Team #1 (prod)' }, 'db', 'arbitrary', { k: 'v' }),
    ).not.toThrow();
  });
});

describe('vault scoping: listing', () => {
  it('lists the scope directory; none lists the mount root', () => {
    expect(vault.listQuery(componentA)).toEqual({
      namePrefix: 'zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/',
    });
    expect(vault.listQuery(globalA)).toEqual({ namePrefix: 'zenml/global/' });
    expect(vault.listQuery(namespaceXA)).toEqual({ namePrefix: 'zenml/namespace/ml-team/' });
    expect(vault.listQuery(noneA)).toEqual({});
  });

  const writers = { componentA, componentB, globalA, namespaceXA, namespaceY, noneA };
  it.each<[string, ScopeContext, string[]]>([
    ['component A', componentA, ['componentA']],
    ['component B', componentB, ['componentB']],
    ['global (another component)', globalB, ['globalA']],
    ['namespace ml-team (another component)', namespaceXB, ['namespaceXA']],
    ['namespace data', namespaceY, ['namespaceY']],
    ['none', noneA, ['noneA']],
  ])('%s sees only its own scope', (_label, reader, expected) => {
    const seen = Object.entries(writers)
      .filter(
        ([, writer]) =>
          vault.secretNameOf(reader, vault.toEntries(writer, 'db', 'arbitrary', { k: 'v' })[0]) === 'db',
      )
      .map(([label]) => label);
    expect(seen).toEqual(expected);
  });

  it('skips sub-directories of a listing (ZenML: keys with a "/" are not secrets)', () => {
    expect(vault.secretNameOf(noneA, { name: 'zenml/', metadata: {} })).toBeUndefined();
    expect(vault.secretNameOf(noneA, { name: 'plain', metadata: {} })).toBe('plain');
    expect(vault.secretNameOf(globalA, { name: 'zenml/global/team/', metadata: {} })).toBeUndefined();
    expect(vault.secretNameOf(globalA, { name: 'zenml/global/db', metadata: {} })).toBe('db');
  });
});

describe('vault scoping: values back', () => {
  it.each([componentA, globalA, namespaceXA, noneA])('round trips in scope %o', (ctx) => {
    const values = { token: '{"type": "service_account"}', note: 'line1\nline2' };
    expect(vault.fromEntries(vault.toEntries(ctx, 'gcp-sa', 'gcp', values))).toEqual({
      schema: 'gcp',
      values,
    });
  });

  it('reads KV data as ZenML wrote it (hvac create_or_update_secret with typed values)', () => {
    const data = {
      user: 'admin',
      password: null,
      ssl_verify_server_cert: true,
      zenml_schema_name: 'mysql',
    } as unknown as Record<string, string>;
    expect(vault.fromEntries([{ name: 'zenml/namespace/ml-team/db', values: data, metadata: {} }])).toEqual({
      schema: 'mysql',
      values: { user: 'admin', ssl_verify_server_cert: 'True' }, // Python's str(True)
    });
  });

  it('reads data without zenml_schema_name as arbitrary', () => {
    expect(vault.fromEntries([{ name: 'plain', values: { a: '1' }, metadata: {} }])).toEqual({
      schema: 'arbitrary',
      values: { a: '1' },
    });
  });
});

describe('vault scoping: name rules', () => {
  it.each(['with space', 'a/b', 'ß', '', '.', '..'])('rejects %j naming the rule', (name) => {
    const error = inputError(() => vault.validateName(noneA, name));
    expect(error.message).toContain('Vault');
    expect(error.issues).toEqual([{ path: 'name', message: expect.stringContaining('[a-zA-Z0-9_+=.@-]+') }]);
  });

  it('checks the namespace with the same rule', () => {
    const error = inputError(() => vault.validateContext({ ...namespaceXA, namespace: 'ml/team' }));
    expect(error.issues[0]).toEqual({
      path: 'namespace',
      message: expect.stringContaining('[a-zA-Z0-9_+=.@-]+'),
    });
  });
});
