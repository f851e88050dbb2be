import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/database/create-database.js';
import { runMigrations } from '../../src/database/run-migrations.js';
import { loadStoreIdentity } from '../../src/services/secrets/store-identity.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

describe('store identity (migration 0010): the deployment id of the zenml tag, generated once and kept', () => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await createDatabase({ databaseUrl: testDb.url, pgliteDir: 'memory://' });
    await runMigrations(database.db);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('generates the ids once; replicas starting together agree; SGW_DEPLOYMENT_ID / SGW_WORKSPACE_ID adopt others', async () => {
    const together = await Promise.all([
      loadStoreIdentity(database.db, {}),
      loadStoreIdentity(database.db, {}),
    ]);
    expect(together[0]).toEqual(together[1]);
    expect(together[0].deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await loadStoreIdentity(database.db, {})).toEqual(together[0]);

    const zenmlServer = randomUUID();
    const adopted = await loadStoreIdentity(database.db, { deploymentId: zenmlServer });
    expect(adopted).toEqual({ deploymentId: zenmlServer, workspaceId: together[0].workspaceId });
    // kept after the variable is gone
    expect(await loadStoreIdentity(database.db, {})).toEqual(adopted);
    const rows = await database.db.selectFrom('store_identity').selectAll().execute();
    expect(rows).toHaveLength(1);
    await expect(
      database.db
        .insertInto('store_identity')
        .values({ singleton: false, deployment_id: zenmlServer, workspace_id: zenmlServer })
        .execute(),
    ).rejects.toThrow();
  });
});
