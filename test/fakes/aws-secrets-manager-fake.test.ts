import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type Filter,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidNextTokenException,
  InvalidParameterException,
  InvalidRequestException,
  LimitExceededException,
  ListSecretsCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  type SecretsManagerServiceException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../helpers/caught.ts';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from './aws-secrets-manager-fake.ts';

const REGION = 'eu-west-1';
let fake: AwsSecretsManagerFake;
let client: SecretsManagerClient;

beforeEach(async () => {
  fake = await startAwsSecretsManagerFake({ port: 0 });
  client = new SecretsManagerClient({
    region: REGION,
    endpoint: fake.url,
    credentials: fake.credentials,
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  await fake.close();
});

async function listAll(filters?: Filter[], pageSize?: number): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListSecrets({ client, pageSize }, { Filters: filters })) {
    for (const secret of page.SecretList ?? []) names.push(secret.Name as string);
  }
  return names;
}

describe('create and read', () => {
  it('creates a secret with tags and reads it by name and by ARN', async () => {
    const tags = [
      { Key: 'zenml_scope', Value: 'component' },
      { Key: 'zenml_secret_name', Value: 'db' },
    ];
    const created = await client.send(
      new CreateSecretCommand({
        Name: 'zenml/component/db',
        SecretString: '{"a":"1"}',
        Description: 'd',
        Tags: tags,
      }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:zenml\/component\/db-[A-Za-z0-9]{6}$/,
    );
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);

    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'zenml/component/db' }));
    expect(byName).toMatchObject({
      Name: 'zenml/component/db',
      SecretString: '{"a":"1"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn.VersionId).toBe(created.VersionId);

    const raw = fake.secrets.get('zenml/component/db');
    expect(raw?.tags).toEqual(tags);
    expect(raw?.description).toBe('d');
    expect(fake.calls).toEqual(['CreateSecret', 'GetSecretValue', 'GetSecretValue']);
  });

  it('round-trips binary values', async () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    await client.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: bytes }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect(Array.from(got.SecretBinary ?? [])).toEqual(Array.from(bytes));
    expect(got.SecretString).toBeUndefined();
  });

  it('treats a repeated ClientRequestToken as idempotent only for the same value', async () => {
    const token = 'a'.repeat(32);
    const first = await client.send(
      new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token }),
    );
    const again = await client.send(
      new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token }),
    );
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: token });
    expect(fake.secrets.get('s')?.versions.size).toBe(1);

    const changed = await caught(
      client.send(new CreateSecretCommand({ Name: 's', SecretString: 'other', ClientRequestToken: token })),
    );
    expect(changed).toBeInstanceOf(ResourceExistsException);
    const duplicate = await caught(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' })));
    expect(duplicate).toBeInstanceOf(ResourceExistsException);
    expect(duplicate.message).toBe('The operation failed because the secret s already exists.');
  });

  it('validates names, values and tags', async () => {
    const badName = await caught(
      client.send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'v' })),
    );
    expect(badName).toBeInstanceOf(InvalidParameterException);
    const tooLong = await caught(
      client.send(new CreateSecretCommand({ Name: 'x'.repeat(513), SecretString: 'v' })),
    );
    expect(tooLong.name).toBe('ValidationException');
    const big = await caught(
      client.send(new CreateSecretCommand({ Name: 'big', SecretString: 'x'.repeat(65_537) })),
    );
    expect(big.name).toBe('ValidationException');
    await client.send(new CreateSecretCommand({ Name: 'max', SecretString: 'x'.repeat(65_536) }));

    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const tooMany = await caught(
      client.send(new CreateSecretCommand({ Name: 'tags', SecretString: 'v', Tags: tags })),
    );
    expect(tooMany).toBeInstanceOf(LimitExceededException);
    const both = await caught(
      client.send(
        new CreateSecretCommand({ Name: 'both', SecretString: 'v', SecretBinary: new Uint8Array([1]) }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
    expect([...fake.secrets.keys()]).toEqual(['max']);
  });

  it('maps a missing secret to ResourceNotFoundException', async () => {
    const error = await caught(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    expect((error as SecretsManagerServiceException).$metadata.httpStatusCode).toBe(400);
  });
});

describe('versions', () => {
  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
    const first = await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v1' }));
    const second = await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v2' }));
    const third = await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v3' }));
    expect(third.VersionStages).toEqual(['AWSCURRENT']);

    const described = await client.send(new DescribeSecretCommand({ SecretId: 's' }));
    expect(described.VersionIdsToStages).toEqual({
      [second.VersionId as string]: ['AWSPREVIOUS'],
      [third.VersionId as string]: ['AWSCURRENT'],
    });
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 's', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('v2');
    const oldest = await client.send(
      new GetSecretValueCommand({ SecretId: 's', VersionId: first.VersionId }),
    );
    expect(oldest).toMatchObject({ SecretString: 'v1', VersionStages: [] });

    const mismatch = await caught(
      client.send(
        new GetSecretValueCommand({ SecretId: 's', VersionId: first.VersionId, VersionStage: 'AWSCURRENT' }),
      ),
    );
    expect(mismatch).toBeInstanceOf(InvalidRequestException);
    const unknown = await caught(
      client.send(new GetSecretValueCommand({ SecretId: 's', VersionStage: 'NOPE' })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
  });

  it('makes a version on UpdateSecret only when a value is sent', async () => {
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v1' }));
    const descriptionOnly = await client.send(new UpdateSecretCommand({ SecretId: 's', Description: 'new' }));
    expect(descriptionOnly.VersionId).toBeUndefined();
    expect(fake.secrets.get('s')?.versions.size).toBe(1);
    expect(fake.secrets.get('s')?.description).toBe('new');

    const withValue = await client.send(new UpdateSecretCommand({ SecretId: 's', SecretString: 'v2' }));
    expect(withValue.VersionId).toBeDefined();
    const got = await client.send(new GetSecretValueCommand({ SecretId: 's' }));
    expect(got).toMatchObject({ SecretString: 'v2', VersionId: withValue.VersionId });
  });

  it('reports a secret without a value as ResourceNotFoundException on read', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'empty' }));
    expect(created.VersionId).toBeUndefined();
    const error = await caught(client.send(new GetSecretValueCommand({ SecretId: 'empty' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toContain('staging label: AWSCURRENT');
  });
});

describe('delete and restore', () => {
  it('rejects invalid deletion options', async () => {
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
    const both = await caught(
      client.send(
        new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
    const tooShort = await caught(
      client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 6 })),
    );
    expect(tooShort).toBeInstanceOf(InvalidParameterException);
    const tooLong = await caught(
      client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 31 })),
    );
    expect(tooLong).toBeInstanceOf(InvalidParameterException);
    const missing = await caught(client.send(new DeleteSecretCommand({ SecretId: 'nope' })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('schedules deletion (default 30 days), blocks reads and re-creation, and can restore', async () => {
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
    const before = Date.now();
    const deleted = await client.send(new DeleteSecretCommand({ SecretId: 's' }));
    const days = ((deleted.DeletionDate?.getTime() ?? 0) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);

    expect(await caught(client.send(new GetSecretValueCommand({ SecretId: 's' })))).toBeInstanceOf(
      InvalidRequestException,
    );
    const recreate = await caught(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' })));
    expect(recreate).toBeInstanceOf(InvalidRequestException);
    expect(await caught(client.send(new DeleteSecretCommand({ SecretId: 's' })))).toBeInstanceOf(
      InvalidRequestException,
    );
    expect(await listAll()).toEqual([]);
    const planned = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));
    expect(planned.SecretList?.map((secret) => secret.Name)).toEqual(['s']);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 's' }));
    expect(described.DeletedDate).toBeInstanceOf(Date);

    await client.send(new RestoreSecretCommand({ SecretId: 's' }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: 's' }));
    expect(got.SecretString).toBe('v');
    expect(await listAll()).toEqual(['s']);
  });

  it('removes a secret at once when forced, so the name can be reused', async () => {
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
    await client.send(new DeleteSecretCommand({ SecretId: 's', ForceDeleteWithoutRecovery: true }));
    expect(fake.secrets.has('s')).toBe(false);
    expect(await caught(client.send(new GetSecretValueCommand({ SecretId: 's' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'again' }));
    expect(fake.secrets.get('s')?.versions.size).toBe(1);
  });

  it('purges a secret once its recovery window has passed', async () => {
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
    await client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 7 }));
    const raw = fake.secrets.get('s');
    if (raw) raw.deletionDate = Date.now() / 1000 - 1;
    expect(await caught(client.send(new DescribeSecretCommand({ SecretId: 's' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('listing', () => {
  beforeEach(() => {
    for (let i = 0; i < 250; i++) {
      const name = `zenml/component/s${String(i).padStart(3, '0')}`;
      fake.put(name, `{"i":${i}}`, {
        tags: [{ Key: 'zenml_scope', Value: i % 2 === 0 ? 'component' : 'namespace' }],
      });
    }
    fake.put('plain', 'v', { description: 'Database Password' });
    fake.put('Plain-upper', 'v');
  });

  it('pages 100 at a time by default and really pages', async () => {
    const first = await client.send(new ListSecretsCommand({}));
    expect(first.SecretList).toHaveLength(100);
    expect(first.NextToken).toBeDefined();
    const second = await client.send(new ListSecretsCommand({ NextToken: first.NextToken }));
    const third = await client.send(new ListSecretsCommand({ NextToken: second.NextToken }));
    expect(second.SecretList).toHaveLength(100);
    expect(third.SecretList).toHaveLength(52);
    expect(third.NextToken).toBeUndefined();
    const names = [
      ...(first.SecretList ?? []),
      ...(second.SecretList ?? []),
      ...(third.SecretList ?? []),
    ].map((secret) => secret.Name);
    expect(new Set(names).size).toBe(252);
    expect(first.SecretList?.[0]).toMatchObject({
      Name: 'zenml/component/s000',
      Tags: [{ Key: 'zenml_scope', Value: 'component' }],
    });
    expect(Object.values(first.SecretList?.[0].SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
  });

  it('paginates with the SDK paginator and small pages', async () => {
    const names = await listAll([{ Key: 'name', Values: ['zenml/'] }], 7);
    expect(names).toHaveLength(250);
    expect(fake.calls.filter((call) => call === 'ListSecrets')).toHaveLength(Math.ceil(250 / 7));
  });

  it('keeps pages stable when secrets are added between pages', async () => {
    const first = await client.send(new ListSecretsCommand({ MaxResults: 100 }));
    fake.put('aaa-new', 'v');
    const rest = await listAllFrom(first.NextToken);
    expect(rest).toHaveLength(153);
    expect(rest).not.toContain(first.SecretList?.[99].Name);
  });

  it('rejects MaxResults outside 1..100 and invalid tokens', async () => {
    expect((await caught(client.send(new ListSecretsCommand({ MaxResults: 101 })))).name).toBe(
      'ValidationException',
    );
    expect((await caught(client.send(new ListSecretsCommand({ MaxResults: 0 })))).name).toBe(
      'ValidationException',
    );
    const badToken = await caught(client.send(new ListSecretsCommand({ NextToken: 'garbage' })));
    expect(badToken).toBeInstanceOf(InvalidNextTokenException);
  });

  it('filters by name prefix, case-sensitively', async () => {
    expect(await listAll([{ Key: 'name', Values: ['plain'] }])).toEqual(['plain']);
    expect(await listAll([{ Key: 'name', Values: ['Plain'] }])).toEqual(['Plain-upper']);
    expect(await listAll([{ Key: 'name', Values: ['zenml/component/s24'] }])).toHaveLength(10);
  });

  it('ORs values within a filter and ANDs filters', async () => {
    const either = await listAll([{ Key: 'name', Values: ['plain', 'Plain'] }]);
    expect(either.sort()).toEqual(['Plain-upper', 'plain']);
    const both = await listAll([
      { Key: 'name', Values: ['zenml/component/s00'] },
      { Key: 'tag-value', Values: ['component'] },
    ]);
    expect(both).toEqual([
      'zenml/component/s000',
      'zenml/component/s002',
      'zenml/component/s004',
      'zenml/component/s006',
      'zenml/component/s008',
    ]);
  });

  it('negates with a leading "!" (tag-key !zenml_scope lists only unscoped secrets)', async () => {
    expect((await listAll([{ Key: 'tag-key', Values: ['!zenml_scope'] }])).sort()).toEqual([
      'Plain-upper',
      'plain',
    ]);
    expect(await listAll([{ Key: 'tag-key', Values: ['zenml_scope'] }])).toHaveLength(250);
    expect(await listAll([{ Key: 'name', Values: ['!zenml/'] }])).toHaveLength(2);
    expect(await listAll([{ Key: 'tag-value', Values: ['!component'] }])).toHaveLength(127);
  });

  it('matches description case-insensitively and "all" by words', async () => {
    expect(await listAll([{ Key: 'description', Values: ['database'] }])).toEqual(['plain']);
    expect(await listAll([{ Key: 'all', Values: ['password'] }])).toEqual(['plain']);
    expect(await listAll([{ Key: 'all', Values: ['s249'] }])).toEqual(['zenml/component/s249']);
  });

  it('rejects unknown filter keys', async () => {
    const error = await caught(
      client.send(new ListSecretsCommand({ Filters: [{ Key: 'bogus' as 'name', Values: ['x'] }] })),
    );
    expect(error.name).toBe('ValidationException');
  });
});

async function listAllFrom(token: string | undefined): Promise<string[]> {
  const names: string[] = [];
  let next = token;
  while (next) {
    const page = await client.send(new ListSecretsCommand({ NextToken: next }));
    names.push(...(page.SecretList ?? []).map((secret) => secret.Name as string));
    next = page.NextToken;
  }
  return names;
}

describe('tags', () => {
  it('adds, overwrites and removes tags in place', async () => {
    await client.send(
      new CreateSecretCommand({ Name: 's', SecretString: 'v', Tags: [{ Key: 'a', Value: '1' }] }),
    );
    await client.send(
      new TagResourceCommand({
        SecretId: 's',
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: 'changed' },
        ],
      }),
    );
    expect(fake.secrets.get('s')?.tags).toEqual([
      { Key: 'a', Value: 'changed' },
      { Key: 'b', Value: '2' },
    ]);
    await client.send(new UntagResourceCommand({ SecretId: 's', TagKeys: ['a', 'missing'] }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: 's' }));
    expect(described.Tags).toEqual([{ Key: 'b', Value: '2' }]);

    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const error = await caught(client.send(new TagResourceCommand({ SecretId: 's', Tags: many })));
    expect(error).toBeInstanceOf(LimitExceededException);
    expect(
      await caught(client.send(new TagResourceCommand({ SecretId: 'nope', Tags: many }))),
    ).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('server behaviour', () => {
  it('lets a test seed a secret that the SDK then reads', async () => {
    const seeded = fake.put('zenml/global/x', '{"k":"v"}', {
      tags: [{ Key: 'zenml_scope', Value: 'global' }],
    });
    const got = await client.send(new GetSecretValueCommand({ SecretId: seeded.arn }));
    expect(got.SecretString).toBe('{"k":"v"}');
  });

  it('answers unknown operations with UnknownOperationException', async () => {
    // The SDK signs the request after this rewrite of the operation name, so it passes SigV4.
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-target'] = 'secretsmanager.Nope';
        return next(args);
      },
      { step: 'build' },
    );
    const error = (await caught(client.send(new ListSecretsCommand({})))) as SecretsManagerServiceException;
    expect(error.name).toBe('UnknownOperationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('injects failures and delays', async () => {
    fake.failNext('GetSecretValue', 'InternalServiceError', 'boom', 500);
    fake.put('s', 'v');
    const error = await caught(client.send(new GetSecretValueCommand({ SecretId: 's' })));
    expect(error).toBeInstanceOf(InternalServiceError);
    fake.delayMs = 60;
    const started = Date.now();
    await client.send(new GetSecretValueCommand({ SecretId: 's' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('closes promptly while the SDK holds keep-alive sockets', async () => {
    fake.put('s', 'v');
    await client.send(new GetSecretValueCommand({ SecretId: 's' }));
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('BatchGetSecretValue', () => {
  it('returns the current values of up to 20 named secrets and lists the unreadable ones in Errors', async () => {
    for (let i = 0; i < 3; i += 1)
      await client.send(new CreateSecretCommand({ Name: `b${i}`, SecretString: `{"i":"${i}"}` }));
    await client.send(new PutSecretValueCommand({ SecretId: 'b1', SecretString: '{"i":"new"}' }));
    await client.send(new DeleteSecretCommand({ SecretId: 'b2' }));
    const out = await client.send(
      new BatchGetSecretValueCommand({ SecretIdList: ['b0', 'b1', 'b2', 'nope'] }),
    );
    expect(out.SecretValues?.map((v) => [v.Name, v.SecretString])).toEqual([
      ['b0', '{"i":"0"}'],
      ['b1', '{"i":"new"}'],
    ]);
    expect(out.Errors?.map((e) => [e.SecretId, e.ErrorCode])).toEqual([
      ['b2', 'InvalidRequestException'],
      ['nope', 'ResourceNotFoundException'],
    ]);
  });

  it('pages the secrets matching Filters, at most 20 at a time', async () => {
    for (let i = 0; i < 25; i += 1)
      await client.send(new CreateSecretCommand({ Name: `f/${i}`, SecretString: `v${i}` }));
    await client.send(new CreateSecretCommand({ Name: 'other', SecretString: 'x' }));
    const filters: Filter[] = [{ Key: 'name', Values: ['f/'] }];
    const first = await client.send(new BatchGetSecretValueCommand({ Filters: filters }));
    expect(first.SecretValues).toHaveLength(20);
    const second = await client.send(
      new BatchGetSecretValueCommand({ Filters: filters, NextToken: first.NextToken }),
    );
    expect(second.NextToken).toBeUndefined();
    expect(
      [...(first.SecretValues ?? []), ...(second.SecretValues ?? [])].map((v) => v.SecretString).sort(),
    ).toEqual(Array.from({ length: 25 }, (_, i) => `v${i}`).sort());
  });

  it('refuses both or neither of SecretIdList and Filters, and more than 20 names', async () => {
    expect(await caught(client.send(new BatchGetSecretValueCommand({})))).toBeInstanceOf(
      InvalidParameterException,
    );
    expect(
      await caught(
        client.send(
          new BatchGetSecretValueCommand({ SecretIdList: ['a'], Filters: [{ Key: 'name', Values: ['a'] }] }),
        ),
      ),
    ).toBeInstanceOf(InvalidParameterException);
    const tooMany = await caught(
      client.send(
        new BatchGetSecretValueCommand({ SecretIdList: Array.from({ length: 21 }, (_, i) => `n${i}`) }),
      ),
    );
    expect(tooMany.name).toBe('ValidationException');
  });
});

describe('UpdateSecretVersionStage', () => {
  it('moves AWSCURRENT back to an older version; the version it leaves becomes AWSPREVIOUS', async () => {
    const v1 = 'a'.repeat(32);
    const v2 = 'b'.repeat(32);
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: v1 }));
    await client.send(
      new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: v2 }),
    );
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 's',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v1,
        RemoveFromVersionId: v2,
      }),
    );
    expect((await client.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('one');
    const described = await client.send(new DescribeSecretCommand({ SecretId: 's' }));
    expect(described.VersionIdsToStages).toEqual({ [v1]: ['AWSCURRENT'], [v2]: ['AWSPREVIOUS'] });
    // By VersionId, the moved-away version still reads.
    const byId = await client.send(new GetSecretValueCommand({ SecretId: 's', VersionId: v2 }));
    expect(byId.SecretString).toBe('two');
  });

  it('refuses to move a label attached elsewhere without RemoveFromVersionId, or with the wrong one', async () => {
    const v1 = 'c'.repeat(32);
    const v2 = 'd'.repeat(32);
    await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: v1 }));
    await client.send(
      new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: v2 }),
    );
    const missing = await caught(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 's',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v1,
        }),
      ),
    );
    expect(missing).toBeInstanceOf(InvalidParameterException);
    const wrong = await caught(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 's',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v1,
          RemoveFromVersionId: v1,
        }),
      ),
    );
    expect(wrong).toBeInstanceOf(InvalidParameterException);
    const unknown = await caught(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 's',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: 'e'.repeat(32),
          RemoveFromVersionId: v2,
        }),
      ),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect((await client.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('two');
  });
});
