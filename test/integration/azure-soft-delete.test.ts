import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzureBackend } from '../../src/backends/azure/azure-backend.js';
import type { SecretBackend } from '../../src/backends/backend.js';
import type { AppError } from '../../src/errors.js';
import { type AzureKeyVaultFake, startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { caught } from '../helpers/caught.js';

// ZenML (integrations/azure/secrets_managers/azure_secrets_manager.py and
// zen_stores/secrets_stores/azure_secrets_store.py, 0.39.1 and 0.40) deletes with
// begin_delete_secret only: a soft delete, never a purge.
describe('azure back-end: soft delete and recovery', () => {
  let fake: AzureKeyVaultFake;
  let backend: SecretBackend;

  beforeAll(async () => {
    fake = await startAzureKeyVaultFake({ port: 0 });
    backend = createAzureBackend({
      vaultUrl: fake.url,
      ...fake.credentials,
      allowInsecure: true,
      timeoutMs: 10_000,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.setRecoveryMs(0);
  });

  const operations = () => fake.calls.filter((call) => call.authorized).map((call) => call.operation);

  it('deletes softly: the secret stays recoverable with its versions, nothing is purged', async () => {
    await backend.create({ name: 'zenml-db', values: { a: '1' }, metadata: { k: 'v' } });
    expect(await backend.delete('zenml-db')).toBe(true);
    expect(await backend.get('zenml-db')).toBeUndefined();
    expect(fake.deletedSecrets.get('zenml-db')?.versions.map((v) => v.value)).toEqual(['{"a": "1"}']);
    expect(operations()).not.toContain('purgeDeletedSecret');
    expect(await backend.delete('zenml-db')).toBe(false);
  });

  it('re-creating a soft-deleted name recovers it, then sets the new value and tags as a new version', async () => {
    await backend.create({ name: 'zenml-db', values: { a: 'old' }, metadata: { k: 'old' } });
    await backend.delete('zenml-db');
    fake.calls.length = 0;
    await backend.create({ name: 'zenml-db', values: { a: 'new' }, metadata: { k: 'new' } });
    const ops = operations();
    // the first set answers 409 ObjectIsDeletedButRecoverable; recover; set again
    expect(ops.filter((op) => op !== 'getSecret')).toEqual([
      'setSecret',
      'recoverDeletedSecret',
      'setSecret',
    ]);
    expect(fake.deletedSecrets.size).toBe(0);
    expect(fake.secrets.get('zenml-db')?.versions.map((v) => v.value)).toEqual([
      '{"a": "old"}',
      '{"a": "new"}',
    ]);
    expect(await backend.get('zenml-db')).toEqual({
      name: 'zenml-db',
      values: { a: 'new' },
      metadata: { k: 'new' },
    });
  });

  it('waits out a slow recovery (404 meanwhile, then 409 ObjectIsBeingRecovered) before setting', async () => {
    fake.put('zenml-slow', '{"a": "old"}', { tags: { k: 'old' } });
    await backend.delete('zenml-slow');
    fake.setRecoveryMs(600);
    await backend.create({ name: 'zenml-slow', values: { a: 'new' }, metadata: { k: 'new' } });
    expect(fake.latest('zenml-slow')?.value).toBe('{"a": "new"}');
    expect(fake.latest('zenml-slow')?.tags).toEqual({ k: 'new' });
  });

  it('a live name is still ALREADY_EXISTS; recovery is never tried for it', async () => {
    await backend.create({ name: 'zenml-live', values: { a: '1' }, metadata: {} });
    const error = await caught<AppError>(
      backend.create({ name: 'zenml-live', values: { a: '2' }, metadata: {} }),
    );
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(operations()).not.toContain('recoverDeletedSecret');
    expect(fake.latest('zenml-live')?.value).toBe('{"a": "1"}');
  });
});
