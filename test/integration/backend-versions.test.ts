import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVersioned, type VersionedBackend } from '../../src/backends/backend.js';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { loadConfig } from '../../src/config.js';
import { unusedSqlBackend } from '../helpers/backend-that.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { REMOTE_STORE_KINDS, remoteStoreEnv } from '../helpers/remote-store-env.js';
import { LOOPBACK_ENDPOINTS } from '../helpers/test-gateway.js';

// The versioned calls of each remote store's back-end (guarded and observed as the gateway uses
// them), through the real SDKs against the fakes.

const unused = unusedSqlBackend;
const metadata = { zenml: 'true', zenml_secret_name: 'versions' };

describe.each(REMOTE_STORE_KINDS)('versions of %s store entries', (kind) => {
  let fakes: CloudFakes;
  let backend: VersionedBackend;

  beforeAll(async () => {
    fakes = await startCloudFakes();
    const config = loadConfig({ ...remoteStoreEnv(fakes, kind), SGW_ALLOWED_ENDPOINTS: LOOPBACK_ENDPOINTS });
    const store = await createCentralStore(config, { sqlBackend: unused });
    if (!isVersioned(store.backend)) throw new Error(`${kind} has no versions`);
    backend = store.backend;
  });
  afterAll(async () => {
    await backend?.close?.();
    await fakes?.close();
  });

  it('pins, reads by version, restores and retires versions', async () => {
    const name = kind === 'gcp' || kind === 'azure' ? 'zenml-v1' : 'zenml/v1';
    const first = await backend.createVersioned({ name, values: { k: 'one' }, metadata });
    expect(await backend.currentVersionId(name)).toBe(first);
    const second = await backend.putVersion({ name, values: { k: 'two' }, metadata });
    expect(second).not.toBe(first);
    expect(await backend.currentVersionId(name)).toBe(second);
    expect(await backend.getVersion(name, first)).toEqual({ k: 'one' });
    expect((await backend.get(name))?.values).toEqual({ k: 'two' });

    const restored = await backend.restoreVersion(name, first);
    expect((await backend.get(name))?.values).toEqual({ k: 'one' });
    expect(await backend.currentVersionId(name)).toBe(restored);
    expect(await backend.getVersion(name, restored)).toEqual({ k: 'one' });
    // Restoring what is current changes nothing.
    expect(await backend.restoreVersion(name, restored)).toBe(restored);

    if (backend.destroyVersions) {
      await backend.destroyVersions(name, [second]);
      expect(await backend.getVersion(name, second)).toBeUndefined();
      expect((await backend.get(name))?.values).toEqual({ k: 'one' });
    }
    expect(await backend.getVersion('zenml-absent', first)).toBeUndefined();
    expect(await backend.currentVersionId('zenml-absent')).toBeUndefined();
  });

  it.runIf(kind === 'aws')('reads pinned versions in batches, current or not', async () => {
    const a = await backend.createVersioned({ name: 'zenml/batch-a', values: { k: 'a1' }, metadata });
    await backend.putVersion({ name: 'zenml/batch-a', values: { k: 'a2' }, metadata });
    const b = await backend.createVersioned({ name: 'zenml/batch-b', values: { k: 'b1' }, metadata });
    const found = await backend.getVersionValues?.([
      { name: 'zenml/batch-a', versionId: a },
      { name: 'zenml/batch-b', versionId: b },
      { name: 'zenml/batch-none', versionId: b },
    ]);
    expect(found).toEqual(
      new Map([
        ['zenml/batch-a', { k: 'a1' }],
        ['zenml/batch-b', { k: 'b1' }],
      ]),
    );
  });
});
