import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

describe('the centralized store on a cloud back-end (SGW_SECRETS_STORE=aws)', () => {
  let fakes: CloudFakes;
  let t: TestGateway;
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({
      env: {
        SGW_SECRETS_STORE: 'aws',
        SGW_SECRETS_STORE_REGION_NAME: 'us-east-1',
        SGW_SECRETS_STORE_ENDPOINT_URL: fakes.aws.url,
        SGW_SECRETS_STORE_AWS_ACCESS_KEY_ID: fakes.aws.credentials.accessKeyId,
        SGW_SECRETS_STORE_AWS_SECRET_ACCESS_KEY: fakes.aws.credentials.secretAccessKey,
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('keeps values under zenml/<uuid> with ZenML metadata tags, and nothing in SQL', async () => {
    const created = await t.ok('mutation { createSecret(name: "cloud", values: {token: "t1"}) { id } }');
    const id = created.createSecret.id;
    const stored = fakes.aws.secrets.get(`zenml/${id}`);
    expect(stored).toBeDefined();
    expect(stored!.tags).toEqual(expect.arrayContaining([{ Key: 'zenml_secret_id', Value: id }]));
    expect((await t.ok('{ secret(name: "cloud") { values } }')).secret.values).toEqual({ token: 't1' });
    await t.ok('mutation { updateSecret(name: "cloud", values: {token: "t2"}) { version } }');
    expect((await t.ok('{ secret(name: "cloud") { values } }')).secret.values).toEqual({ token: 't2' });
    const rows = await t.gateway.database.db.selectFrom('secret_values').selectAll().execute();
    expect(rows).toEqual([]);
    expect(await t.gateway.database.db.selectFrom('secret_value_versions').selectAll().execute()).toEqual([]);
    await t.ok('mutation { deleteSecret(name: "cloud") }');
    // Deleted, the secret stays restorable with its entry; a purge removes the entry.
    expect(fakes.aws.secrets.get(`zenml/${id}`)?.deletedDate).toBeUndefined();
    await t.ok('mutation { purgeSecret(name: "cloud") }');
    expect(
      [...fakes.aws.secrets.values()].filter((s) => s.deletedDate === undefined && s.name === `zenml/${id}`),
    ).toEqual([]);
  });
});
