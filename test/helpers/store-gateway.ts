import type { CentralStore } from '../../src/backends/central-store.js';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { unusedSqlBackend } from './backend-that.js';
import { type CloudFakes, startCloudFakes } from './cloud-fakes.js';
import { type RemoteStoreKindUnderTest, remoteStoreEnv } from './remote-store-env.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

/** A test gateway on one store kind, the cloud fakes behind a remote one, and a store handle of its own. */
export interface StoreGateway {
  t: TestGateway;
  /** The fakes (remote stores only). */
  fakes?: CloudFakes;
  /** The same store the gateway uses, opened apart (to look at entries and versions directly). */
  store: CentralStore;
  close(): Promise<void>;
}

/** Starts a gateway whose centralized store is `kind` (the fakes started for a remote one), with extra env. */
export async function startStoreGateway(
  kind: 'sql' | RemoteStoreKindUnderTest,
  env: Record<string, string> = {},
): Promise<StoreGateway> {
  const fakes = kind === 'sql' ? undefined : await startCloudFakes();
  const t = await startTestGateway({
    env: { ...(fakes && kind !== 'sql' ? remoteStoreEnv(fakes, kind) : {}), ...env },
  });
  const store = await createCentralStore(t.gateway.config, { sqlBackend: unusedSqlBackend });
  return {
    t,
    fakes,
    store,
    async close() {
      if (kind !== 'sql') await store.backend.close?.();
      await t.close();
      await fakes?.close();
    },
  };
}
