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
import { gcpScoping as gcp } from './gcp-scoping.js';
import type { ScopeContext } from './scoping.js';

describe('gcp scoping: scoped secret ids, labels and payloads', () => {
  it('component scope: zenml-component-<uuid>-<name>, labels = full metadata in ZenML order', () => {
    const [entry, ...rest] = gcp.toEntries(componentA, 'db', 'basic_auth', basicAuth);
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
    const [entry] = gcp.toEntries(globalA, 'db', 'basic_auth', basicAuth);
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
    const [entry] = gcp.toEntries(namespaceXA, 'db', 'basic_auth', basicAuth);
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

describe('gcp scoping: legacy per-key secrets and entry lookup', () => {
  it('scope none (legacy): one secret per key named <name>_<key>, bare value, group and schema labels', () => {
    const entries = gcp.toEntries(noneA, 'db', 'basic_auth', basicAuth);
    expect(entries).toEqual([
      {
        name: 'db_username',
        values: { [RAW_VALUE_KEY]: 'admin' },
        metadata: { 'zenml-group-key': 'db', 'zenml-schema-name': 'basic_auth' },
      },
      {
        name: 'db_password',
        values: { [RAW_VALUE_KEY]: 's3cr3t' },
        metadata: { 'zenml-group-key': 'db', 'zenml-schema-name': 'basic_auth' },
      },
    ]);
    expect(Object.keys(entries[0].metadata)).toEqual(['zenml-group-key', 'zenml-schema-name']);
  });

  it('entry lookup: by id when scoped, by the group label when legacy', () => {
    expect(gcp.entryLookup(componentA, 'db')).toEqual({
      by: 'name',
      names: ['zenml-component-0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01-db'],
    });
    expect(gcp.entryLookup(globalA, 'db')).toEqual({ by: 'name', names: ['zenml-global-db'] });
    expect(gcp.entryLookup(namespaceXA, 'db')).toEqual({ by: 'name', names: ['zenml-namespace-ml-team-db'] });
    expect(gcp.entryLookup(noneA, 'db')).toEqual({
      by: 'listing',
      query: { metadata: { 'zenml-group-key': 'db' } },
    });
  });
});

describe('gcp scoping: listing', () => {
  it('list queries: prefix plus scope labels; none lists unscoped secrets', () => {
    expect(gcp.listQuery(componentA)).toEqual({
      namePrefix: 'zenml-component-0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01-',
      metadata: { zenml_scope: 'component', zenml_component_uuid: '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01' },
    });
    expect(gcp.listQuery(globalA)).toEqual({
      namePrefix: 'zenml-global-',
      metadata: { zenml_scope: 'global' },
    });
    expect(gcp.listQuery(namespaceXA)).toEqual({
      namePrefix: 'zenml-namespace-ml-team-',
      metadata: { zenml_scope: 'namespace', zenml_namespace: 'ml-team' },
    });
    expect(gcp.listQuery(noneA)).toEqual({ withoutMetadataKey: 'zenml_scope' });
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
        gcp
          .toEntries(writer, 'db', 'arbitrary', { k: 'v' })
          .every((entry) => gcp.secretNameOf(reader, entry) === 'db'),
      )
      .map(([label]) => label);
    expect(seen).toEqual(expected);
  });
});

describe('gcp scoping: telling entries apart by secret id and labels', () => {
  it('names that collide across namespaces ("-" in names) are told apart by labels', () => {
    const nsMl: ScopeContext = { ...namespaceXA, namespace: 'ml' };
    const [fromMl] = gcp.toEntries(nsMl, 'team-db', 'arbitrary', { k: 'v' });
    const [fromMlTeam] = gcp.toEntries(namespaceXA, 'db', 'arbitrary', { k: 'v' });
    expect(fromMl.name).toBe('zenml-namespace-ml-team-db');
    expect(fromMlTeam.name).toBe('zenml-namespace-ml-team-db');
    expect(gcp.secretNameOf(namespaceXA, fromMl)).toBeUndefined();
    expect(gcp.secretNameOf(nsMl, fromMl)).toBe('team-db');
    expect(gcp.secretNameOf(namespaceXA, fromMlTeam)).toBe('db');
  });

  it('a scoped entry needs its name to be prefix + zenml_secret_name', () => {
    const labels = { zenml_scope: 'global', zenml_secret_name: 'db' };
    expect(gcp.secretNameOf(globalA, { name: 'zenml-global-db', metadata: labels })).toBe('db');
    expect(gcp.secretNameOf(globalA, { name: 'zenml-global-other', metadata: labels })).toBeUndefined();
    expect(
      gcp.secretNameOf(globalA, { name: 'zenml-global-db', metadata: { zenml_scope: 'global' } }),
    ).toBeUndefined();
  });

  it('scope none keeps legacy per-key entries only', () => {
    const legacy = { 'zenml-group-key': 'db', 'zenml-schema-name': 'arbitrary' };
    expect(gcp.secretNameOf(noneA, { name: 'db_password', metadata: legacy })).toBe('db');
    expect(gcp.secretNameOf(noneA, { name: 'other_password', metadata: legacy })).toBeUndefined();
    expect(gcp.secretNameOf(noneA, { name: 'unlabelled', metadata: {} })).toBeUndefined();
    expect(
      gcp.secretNameOf(noneA, {
        name: 'zenml-global-db',
        metadata: { zenml_scope: 'global', zenml_secret_name: 'db' },
      }),
    ).toBeUndefined();
    expect(gcp.secretNameOf(globalA, { name: 'db_password', metadata: legacy })).toBeUndefined();
  });
});

describe('gcp scoping: values back', () => {
  it.each([componentA, globalA, namespaceXA, noneA])('round trips in scope %o', (ctx) => {
    const values = { token: '{"type": "service_account", "project_id": "p"}', extra: 'ü' };
    expect(gcp.fromEntries(gcp.toEntries(ctx, 'sa', 'gcp', values))).toEqual({ schema: 'gcp', values });
  });

  it('reads a scoped secret as ZenML wrote it (labels, json.dumps payload)', () => {
    const entry = {
      name: 'zenml-global-sa',
      values: { token: '{"type": "service_account"}', zenml_schema_name: 'gcp' },
      metadata: {
        zenml_scope: 'global',
        zenml_secret_name: 'sa',
        zenml_component_name: 'old-manager',
        zenml_component_uuid: '11111111-2222-4333-8444-555555555555',
        zenml_secret_schema: 'gcp',
      },
    };
    expect(gcp.secretNameOf(globalA, entry)).toBe('sa');
    expect(gcp.fromEntries([entry])).toEqual({
      schema: 'gcp',
      values: { token: '{"type": "service_account"}' },
    });
  });

  it('reads a legacy secret as ZenML wrote it (one GCP secret per key, str(value) payloads)', () => {
    const labels = { 'zenml-group-key': 'mysql_db', 'zenml-schema-name': 'mysql' };
    const listed = [
      { name: 'mysql_db_user', values: { [RAW_VALUE_KEY]: 'admin' }, metadata: labels },
      { name: 'mysql_db_password', values: { [RAW_VALUE_KEY]: 's3cr3t' }, metadata: labels },
      { name: 'mysql_db_ssl_verify_server_cert', values: { [RAW_VALUE_KEY]: 'False' }, metadata: labels },
    ];
    expect(listed.map((entry) => gcp.secretNameOf(noneA, entry))).toEqual([
      'mysql_db',
      'mysql_db',
      'mysql_db',
    ]);
    expect(gcp.fromEntries(listed)).toEqual({
      schema: 'mysql',
      values: { user: 'admin', password: 's3cr3t', ssl_verify_server_cert: 'False' },
    });
  });
});

describe('gcp scoping: name rules', () => {
  it.each(['DB', 'db.prod', 'db prod', 'a'.repeat(64), ''])(
    'rejects %j in every scope, naming the rule',
    (name) => {
      for (const ctx of [noneA, globalA]) {
        const error = inputError(() => gcp.validateName(ctx, name));
        expect(error.message).toContain('GCP');
        expect(error.issues).toEqual([{ path: 'name', message: expect.stringContaining('[a-z0-9_-]+') }]);
        expect(error.issues[0].message).toContain('63');
      }
    },
  );

  it('accepts lowercase names up to 63 characters', () => {
    expect(() => gcp.validateName(componentA, `a_-9${'b'.repeat(59)}`)).not.toThrow();
  });

  it('checks the namespace and every label value the metadata carries', () => {
    expect(inputError(() => gcp.validateContext({ ...namespaceXA, namespace: 'ML' })).issues[0].path).toBe(
      'namespace',
    );
    const upper = inputError(() =>
      gcp.toEntries({ ...globalA, componentName: 'Team' }, 'db', 'arbitrary', { k: 'v' }),
    );
    expect(upper.issues[0]).toEqual({
      path: 'componentName',
      message: expect.stringContaining('GCP label values'),
    });
    const schema = inputError(() => gcp.toEntries(globalA, 'db', 'MySchema', { k: 'v' }));
    expect(schema.issues[0].path).toBe('schema');
    expect(() =>
      gcp.toEntries({ ...noneA, componentName: 'Team' }, 'db', 'arbitrary', { k: 'v' }),
    ).not.toThrow();
  });

  it('legacy ids must fit 255 characters and there must be a key', () => {
    const longKey = 'k'.repeat(253);
    const error = inputError(() => gcp.toEntries(noneA, 'db', 'arbitrary', { [longKey]: 'v' }));
    expect(error.issues[0]).toEqual({ path: `values.${longKey}`, message: expect.stringContaining('255') });
    expect(inputError(() => gcp.toEntries(noneA, 'db', 'arbitrary', {})).issues[0].path).toBe('values');
  });
});
