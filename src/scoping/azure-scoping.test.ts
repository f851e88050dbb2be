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
import { RAW_VALUE_KEY } from '../backends/backend.js';
import { azureScoping as azure } from './azure-scoping.js';
import type { ScopeContext } from './scoping.js';

describe('azure scoping: scoped Key Vault names, tags and values', () => {
  it('component scope: zenml-component-<uuid>-<name>, tags = full metadata in ZenML order', () => {
    const [entry, ...rest] = azure.toEntries(componentA, 'db', 'basic_auth', basicAuth);
    expect(rest).toEqual([]);
    expect(entry.name).toBe('zenml-component-0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01-db');
    expect(Object.entries(entry.metadata)).toEqual([
      ['zenml_scope', 'component'],
      ['zenml_secret_name', 'db'],
      ['zenml_component_uuid', '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01'],
      ['zenml_component_name', 'team-secrets'],
      ['zenml_secret_schema', 'basic_auth'],
    ]);
    expect(Object.entries(entry.values)).toEqual([
      ['username', 'admin'],
      ['password', 's3cr3t'],
      ['zenml_schema_name', 'basic_auth'],
    ]);
  });

  it('global scope: zenml-global-<name>', () => {
    const [entry] = azure.toEntries(globalA, 'db', 'basic_auth', basicAuth);
    expect(entry.name).toBe('zenml-global-db');
    expect(Object.entries(entry.metadata)).toEqual([
      ['zenml_scope', 'global'],
      ['zenml_secret_name', 'db'],
      ['zenml_component_name', 'team-secrets'],
      ['zenml_component_uuid', '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01'],
      ['zenml_secret_schema', 'basic_auth'],
    ]);
  });

  it('namespace scope: zenml-namespace-<ns>-<name>', () => {
    const [entry] = azure.toEntries(namespaceXA, 'db', 'basic_auth', basicAuth);
    expect(entry.name).toBe('zenml-namespace-ml-team-db');
    expect(Object.entries(entry.metadata)).toEqual([
      ['zenml_scope', 'namespace'],
      ['zenml_secret_name', 'db'],
      ['zenml_namespace', 'ml-team'],
      ['zenml_component_name', 'team-secrets'],
      ['zenml_component_uuid', '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01'],
      ['zenml_secret_schema', 'basic_auth'],
    ]);
  });
});

describe('azure scoping: legacy per-key secrets and entry lookup', () => {
  it('scope none (legacy): one secret per key, zenml- + hex(base64("<name>-<key>")), three tags', () => {
    // base64("db-username") = "ZGItdXNlcm5hbWU=", base64("db-password") = "ZGItcGFzc3dvcmQ="
    const entries = azure.toEntries(noneA, 'db', 'basic_auth', basicAuth);
    expect(entries).toEqual([
      {
        name: 'zenml-5a47497464584e6c636d35686257553d',
        values: { [RAW_VALUE_KEY]: 'admin' },
        metadata: {
          'zenml-group-key': 'db',
          'zenml-key-name': 'username',
          'zenml-schema-name': 'basic_auth',
        },
      },
      {
        name: 'zenml-5a4749746347467a63336476636d513d',
        values: { [RAW_VALUE_KEY]: 's3cr3t' },
        metadata: {
          'zenml-group-key': 'db',
          'zenml-key-name': 'password',
          'zenml-schema-name': 'basic_auth',
        },
      },
    ]);
    expect(Object.keys(entries[0].metadata)).toEqual([
      'zenml-group-key',
      'zenml-key-name',
      'zenml-schema-name',
    ]);
  });

  it('entry lookup: by name when scoped, by the group tag when legacy', () => {
    expect(azure.entryLookup(componentA, 'db')).toEqual({
      by: 'name',
      names: ['zenml-component-0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01-db'],
    });
    expect(azure.entryLookup(globalA, 'db')).toEqual({ by: 'name', names: ['zenml-global-db'] });
    expect(azure.entryLookup(namespaceXA, 'db')).toEqual({
      by: 'name',
      names: ['zenml-namespace-ml-team-db'],
    });
    expect(azure.entryLookup(noneA, 'db')).toEqual({
      by: 'listing',
      query: { metadata: { 'zenml-group-key': 'db' } },
    });
  });
});

describe('azure scoping: listing', () => {
  it('list queries: prefix plus scope tags; none lists unscoped secrets', () => {
    expect(azure.listQuery(componentA)).toEqual({
      namePrefix: 'zenml-component-0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01-',
      metadata: { zenml_scope: 'component', zenml_component_uuid: '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01' },
    });
    expect(azure.listQuery(globalA)).toEqual({
      namePrefix: 'zenml-global-',
      metadata: { zenml_scope: 'global' },
    });
    expect(azure.listQuery(namespaceXA)).toEqual({
      namePrefix: 'zenml-namespace-ml-team-',
      metadata: { zenml_scope: 'namespace', zenml_namespace: 'ml-team' },
    });
    expect(azure.listQuery(noneA)).toEqual({ withoutMetadataKey: 'zenml_scope' });
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
      .filter(([, writer]) =>
        azure
          .toEntries(writer, 'db', 'arbitrary', { k: 'v' })
          .every((entry) => azure.secretNameOf(reader, entry) === 'db'),
      )
      .map(([label]) => label);
    expect(seen).toEqual(expected);
  });
});

describe('azure scoping: telling entries apart by name and tags', () => {
  it('names that collide across namespaces are told apart by tags', () => {
    const nsMl: ScopeContext = { ...namespaceXA, namespace: 'ml' };
    const [fromMl] = azure.toEntries(nsMl, 'team-db', 'arbitrary', { k: 'v' });
    expect(fromMl.name).toBe('zenml-namespace-ml-team-db');
    expect(azure.secretNameOf(namespaceXA, fromMl)).toBeUndefined();
    expect(azure.secretNameOf(nsMl, fromMl)).toBe('team-db');
  });

  it('scope none keeps legacy per-key entries only', () => {
    const tags = { 'zenml-group-key': 'db', 'zenml-key-name': 'password', 'zenml-schema-name': 'arbitrary' };
    expect(
      azure.secretNameOf(noneA, { name: 'zenml-5a4749746347467a63336476636d513d', metadata: tags }),
    ).toBe('db');
    expect(azure.secretNameOf(noneA, { name: 'unrelated', metadata: {} })).toBeUndefined();
    expect(
      azure.secretNameOf(noneA, {
        name: 'zenml-global-db',
        metadata: { zenml_scope: 'global', zenml_secret_name: 'db' },
      }),
    ).toBeUndefined();
    expect(
      azure.secretNameOf(globalA, { name: 'zenml-5a4749746347467a63336476636d513d', metadata: tags }),
    ).toBeUndefined();
  });
});

describe('azure scoping: values back', () => {
  it.each([componentA, globalA, namespaceXA, noneA])('round trips in scope %o', (ctx) => {
    const values = { client_id: 'id', client_secret: 'p@ss_wörd', tenant_id: '' };
    expect(azure.fromEntries(azure.toEntries(ctx, 'sp', 'azure', values))).toEqual({
      schema: 'azure',
      values,
    });
  });

  it('reads a scoped secret as ZenML wrote it (tags, json.dumps payload with nulls)', () => {
    const entry = {
      name: 'zenml-namespace-ml-team-storage',
      values: {
        [RAW_VALUE_KEY]:
          '{"account_name": "acct", "account_key": "k3y", "sas_token": null, "connection_string": null, "client_id": null, "client_secret": null, "tenant_id": null, "zenml_schema_name": "azure"}',
      },
      metadata: {
        zenml_scope: 'namespace',
        zenml_secret_name: 'storage',
        zenml_namespace: 'ml-team',
        zenml_component_name: 'old-manager',
        zenml_component_uuid: '11111111-2222-4333-8444-555555555555',
        zenml_secret_schema: 'azure',
      },
    };
    expect(azure.secretNameOf(namespaceXB, entry)).toBe('storage');
    expect(azure.fromEntries([entry])).toEqual({
      schema: 'azure',
      values: { account_name: 'acct', account_key: 'k3y' },
    });
  });
});

describe('azure scoping: legacy values back', () => {
  it('reads a legacy secret as ZenML wrote it (per-key secrets with hex names)', () => {
    // Names from Python: "zenml-" + base64.b64encode(b"db_prod-user").hex() etc.; underscores
    // in names and keys are fine thanks to the hex encoding.
    const listed = [
      {
        name: 'zenml-5a474a6663484a765a43313163325679',
        values: { [RAW_VALUE_KEY]: 'admin' },
        metadata: { 'zenml-group-key': 'db_prod', 'zenml-key-name': 'user', 'zenml-schema-name': 'mysql' },
      },
      {
        name: 'zenml-5a474a6663484a765a43317759584e7a643239795a413d3d',
        values: { [RAW_VALUE_KEY]: 's3cr3t' },
        metadata: {
          'zenml-group-key': 'db_prod',
          'zenml-key-name': 'password',
          'zenml-schema-name': 'mysql',
        },
      },
    ];
    expect(listed.map((entry) => azure.secretNameOf(noneA, entry))).toEqual(['db_prod', 'db_prod']);
    expect(azure.fromEntries(listed)).toEqual({
      schema: 'mysql',
      values: { user: 'admin', password: 's3cr3t' },
    });
    expect(azure.toEntries(noneA, 'db_prod', 'mysql', { user: 'admin', password: 's3cr3t' })).toEqual(listed);
  });

  it('reads the pre-hex legacy layout (<name>-<key>, no zenml-key-name tag)', () => {
    const entry = {
      name: 'db-password',
      values: { [RAW_VALUE_KEY]: 's3cr3t' },
      metadata: { 'zenml-group-key': 'db', 'zenml-schema-name': 'arbitrary' },
    };
    expect(azure.fromEntries([entry])).toEqual({ schema: 'arbitrary', values: { password: 's3cr3t' } });
  });
});

describe('azure scoping: name rules', () => {
  it.each(['db_prod', 'db.prod', 'db prod', 'a'.repeat(101), ''])(
    'rejects %j for scoped secrets, naming the rule',
    (name) => {
      const error = inputError(() => azure.validateName(globalA, name));
      expect(error.message).toContain('Azure');
      expect(error.issues).toEqual([{ path: 'name', message: expect.stringContaining('[0-9a-zA-Z-]+') }]);
      expect(error.issues[0].message).toContain('100');
    },
  );

  it('limits the whole Key Vault name, scope prefix included, to 127 characters', () => {
    const name = 'a'.repeat(80);
    expect(() => azure.validateName(globalA, name)).not.toThrow();
    const error = inputError(() => azure.validateName(componentA, name));
    expect(error.issues[0]).toEqual({ path: 'name', message: expect.stringContaining('127') });
  });

  it('scope none takes any name ZenML took, within the Key Vault length of the hex names', () => {
    expect(() => azure.validateName(noneA, 'db_prod.x y')).not.toThrow();
    expect(() => azure.validateName(noneA, 'x'.repeat(43))).not.toThrow();
    const tooLong = inputError(() => azure.validateName(noneA, 'x'.repeat(44)));
    expect(tooLong.issues[0]).toEqual({ path: 'name', message: expect.stringContaining('127') });
    const keyTooLong = inputError(() => azure.toEntries(noneA, 'x'.repeat(43), 'arbitrary', { ab: 'v' }));
    expect(keyTooLong.issues[0]).toEqual({
      path: 'values.ab',
      message: expect.stringContaining('44 UTF-8 bytes'),
    });
  });

  it('checks the namespace with the scoped rule', () => {
    const error = inputError(() => azure.validateContext({ ...namespaceXA, namespace: 'ml_team' }));
    expect(error.issues[0]).toEqual({ path: 'namespace', message: expect.stringContaining('[0-9a-zA-Z-]+') });
  });
});
