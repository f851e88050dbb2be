import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../database/create-database.js';
import { runMigrations } from '../../database/run-migrations.js';
import { createLogger } from '../../logger.js';
import { type Lease, startLeaseRenewal } from './migration-lease.js';

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('startLeaseRenewal', () => {
  let database: DatabaseHandle | undefined;
  let lease: Lease | undefined;
  afterEach(async () => {
    lease?.stop();
    await database?.close();
  });

  it('a renewal that fails is logged with the job id and the message, and the lease is not taken as lost', async () => {
    database = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://' }); // no tables
    const lines: string[] = [];
    const log = createLogger('warn', (line) => lines.push(line));
    const jobId = randomUUID();
    lease = startLeaseRenewal({ db: database.db, log, leaseMs: 600, owner: 'test-owner' }, jobId);
    await until(() => lines.length > 0);
    const logged = JSON.parse(lines[0]);
    expect(logged).toMatchObject({
      level: 'warn',
      message: 'migration lease renewal failed',
      migrationId: jobId,
    });
    expect(logged.error).toMatch(/migration_jobs/);
    expect(lease.lost).toBe(false);
    expect(lease.cancelled).toBe(false);
  });

  it('a job no longer held by this owner marks the lease lost', async () => {
    database = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://' });
    await runMigrations(database.db);
    const lines: string[] = [];
    const log = createLogger('warn', (line) => lines.push(line));
    lease = startLeaseRenewal({ db: database.db, log, leaseMs: 600, owner: 'test-owner' }, randomUUID());
    const current = lease;
    await until(() => current.lost);
    expect(lines).toEqual([]);
  });
});
