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
import { awsScoping as aws } from './aws-scoping.js';
import type { ScopeContext } from './scoping.js';

describe('aws scoping: scoped backend names, tags and values', () => {
  it('component scope: zenml/component/<uuid>/<name>, full tags in ZenML order', () => {
    const [entry, ...rest] = aws.toEntries(componentA, 'db', 'basic_auth', basicAuth);
    expect(rest).toEqual([]);
    expect(entry.name).toBe('zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/db');
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

  it('global scope: zenml/global/<name>; the component uuid is still tagged (after the name)', () => {
    const [entry] = aws.toEntries(globalA, 'db', 'basic_auth', basicAuth);
    expect(entry.name).toBe('zenml/global/db');
    expect(Object.entries(entry.metadata)).toEqual([
      ['zenml_scope', 'global'],
      ['zenml_secret_name', 'db'],
      ['zenml_component_name', 'team-secrets'],
      ['zenml_component_uuid', '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01'],
      ['zenml_secret_schema', 'basic_auth'],
    ]);
  });

  it('namespace scope: zenml/namespace/<ns>/<name> with zenml_namespace', () => {
    const [entry] = aws.toEntries(namespaceXA, 'db', 'basic_auth', basicAuth);
    expect(entry.name).toBe('zenml/namespace/ml-team/db');
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

describe('aws scoping: scope none and entry lookup', () => {
  it('scope none: the bare name, no tags, values still carry the schema', () => {
    expect(aws.toEntries(noneA, 'db', 'basic_auth', basicAuth)).toEqual([
      {
        name: 'db',
        values: { username: 'admin', password: 's3cr3t', zenml_schema_name: 'basic_auth' },
        metadata: {},
      },
    ]);
  });

  it('entry lookup is by name', () => {
    expect(aws.entryLookup(componentA, 'db')).toEqual({
      by: 'name',
      names: ['zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/db'],
    });
    expect(aws.entryLookup(globalA, 'db')).toEqual({ by: 'name', names: ['zenml/global/db'] });
    expect(aws.entryLookup(namespaceXA, 'db')).toEqual({ by: 'name', names: ['zenml/namespace/ml-team/db'] });
    expect(aws.entryLookup(noneA, 'db')).toEqual({ by: 'name', names: ['db'] });
  });
});

describe('aws scoping: listing', () => {
  it('list queries: name prefix plus scope tags; none excludes zenml_scope', () => {
    expect(aws.listQuery(componentA)).toEqual({
      namePrefix: 'zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/',
      metadata: { zenml_scope: 'component', zenml_component_uuid: '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01' },
    });
    expect(aws.listQuery(globalA)).toEqual({
      namePrefix: 'zenml/global/',
      metadata: { zenml_scope: 'global' },
    });
    expect(aws.listQuery(namespaceXA)).toEqual({
      namePrefix: 'zenml/namespace/ml-team/',
      metadata: { zenml_scope: 'namespace', zenml_namespace: 'ml-team' },
    });
    expect(aws.listQuery(noneA)).toEqual({ withoutMetadataKey: 'zenml_scope' });
  });

  const writers = { componentA, componentB, globalA, namespaceXA, namespaceY, noneA };
  const visible: Array<[string, ScopeContext, string[]]> = [
    ['component A', componentA, ['componentA']],
    ['component B', componentB, ['componentB']],
    ['global (another component)', globalB, ['globalA']],
    ['namespace ml-team (another component)', namespaceXB, ['namespaceXA']],
    ['namespace data', namespaceY, ['namespaceY']],
    ['none', noneA, ['noneA']],
  ];
  it.each(visible)('%s sees only its own scope', (_label, reader, expected) => {
    const seen = Object.entries(writers)
      .filter(([, writer]) => {
        const [entry] = aws.toEntries(writer, 'db', 'arbitrary', { k: 'v' });
        return aws.secretNameOf(reader, entry) === 'db';
      })
      .map(([label]) => label);
    expect(seen).toEqual(expected);
  });

  it('rejects entries with the right prefix but the wrong tags, and nested paths', () => {
    const prefix = 'zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/';
    const tags = { zenml_scope: 'component', zenml_component_uuid: '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01' };
    expect(aws.secretNameOf(componentA, { name: `${prefix}db`, metadata: tags })).toBe('db');
    expect(aws.secretNameOf(componentA, { name: `${prefix}db`, metadata: {} })).toBeUndefined();
    expect(
      aws.secretNameOf(componentA, {
        name: `${prefix}db`,
        metadata: { ...tags, zenml_component_uuid: '7c2d9a14-1e3b-4f6a-8b5c-9d0e1f2a3b4c' },
      }),
    ).toBeUndefined();
    expect(aws.secretNameOf(componentA, { name: `${prefix}sub/db`, metadata: tags })).toBeUndefined();
    expect(aws.secretNameOf(componentA, { name: prefix, metadata: tags })).toBeUndefined();
  });

  it('scope none keeps untagged names without a path and drops scoped ones', () => {
    expect(aws.secretNameOf(noneA, { name: 'legacy', metadata: {} })).toBe('legacy');
    expect(aws.secretNameOf(noneA, { name: 'legacy', metadata: { owner: 'ops' } })).toBe('legacy');
    expect(aws.secretNameOf(noneA, { name: 'db', metadata: { zenml_scope: 'global' } })).toBeUndefined();
    expect(aws.secretNameOf(noneA, { name: 'zenml/global/db', metadata: {} })).toBeUndefined();
    expect(aws.secretNameOf(globalA, { name: 'db', metadata: {} })).toBeUndefined();
  });
});

describe('aws scoping: values back', () => {
  it.each([componentA, globalA, namespaceXA, noneA])('round trips in scope %o', (ctx) => {
    const values = { user: 'ü@x', password: '{"json": [1, 2]}', empty: '' };
    expect(aws.fromEntries(aws.toEntries(ctx, 'db', 'mysql', values))).toEqual({ schema: 'mysql', values });
  });

  it('reads a secret as ZenML wrote it (json.dumps with typed and null values)', () => {
    const entry = {
      name: 'zenml/component/0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01/db',
      values: {
        [RAW_VALUE_KEY]:
          '{"user": "admin", "password": "s3cr3t", "ssl_ca": null, "ssl_cert": null, "ssl_key": null, "ssl_verify_server_cert": false, "zenml_schema_name": "mysql"}',
      },
      metadata: {
        zenml_scope: 'component',
        zenml_secret_name: 'db',
        zenml_component_uuid: '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01',
        zenml_component_name: 'team-secrets',
        zenml_secret_schema: 'mysql',
      },
    };
    expect(aws.secretNameOf(componentA, entry)).toBe('db');
    expect(aws.fromEntries([entry])).toEqual({
      schema: 'mysql',
      values: { user: 'admin', password: 's3cr3t', ssl_verify_server_cert: 'False' }, // Python's str(False)
    });
  });

  it('a payload that is not a JSON object is a backend error, not a secret', () => {
    expect(() =>
      aws.fromEntries([{ name: 'x', values: { [RAW_VALUE_KEY]: 'plain' }, metadata: {} }]),
    ).toThrow(/does not hold a JSON object/);
  });
});

describe('aws scoping: name rules', () => {
  it.each(['my secret', 'a/b', 'ä', ''])('rejects %j naming the rule', (name) => {
    const error = inputError(() => aws.validateName(globalA, name));
    expect(error.issues).toEqual([{ path: 'name', message: expect.stringContaining('[a-zA-Z0-9_+=.@-]+') }]);
  });

  it('accepts the whole AWS character set', () => {
    expect(() => aws.validateName(globalA, 'Ab9_+=.@-')).not.toThrow();
  });

  it('limits the full name, scope prefix included, to 512 characters', () => {
    const long = 'a'.repeat(470);
    expect(() => aws.validateName(noneA, long)).not.toThrow();
    const error = inputError(() => aws.toEntries(componentA, long, 'arbitrary', { k: 'v' }));
    expect(error.issues[0]).toEqual({ path: 'name', message: expect.stringContaining('512') });
  });

  it('checks the namespace and the tag values of the component', () => {
    const badNamespace = inputError(() => aws.validateContext({ ...namespaceXA, namespace: 'ml team' }));
    expect(badNamespace.issues[0].path).toBe('namespace');
    const noNamespace = inputError(() => aws.listQuery({ ...namespaceXA, namespace: undefined }));
    expect(noNamespace.issues[0]).toEqual({ path: 'namespace', message: 'required when scope is namespace' });
    const badComponentName = inputError(() =>
      aws.toEntries({ ...globalA, componentName: 'team#1' }, 'db', 'arbitrary', { k: 'v' }),
    );
    expect(badComponentName.issues[0]).toEqual({
      path: 'componentName',
      message: expect.stringContaining('AWS tag values'),
    });
    expect(() =>
      aws.toEntries({ ...noneA, componentName: 'team#1' }, 'db', 'arbitrary', { k: 'v' }),
    ).not.toThrow();
  });

  it('reserves zenml_schema_name as a key', () => {
    const error = inputError(() => aws.toEntries(globalA, 'db', 'arbitrary', { zenml_schema_name: 'x' }));
    expect(error.issues[0].path).toBe('values.zenml_schema_name');
  });
});
