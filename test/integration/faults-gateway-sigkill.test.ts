import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { expectWritesDurable, startSecretWriters } from '../helpers/secret-writers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const HMAC_KEY = 'faults-sigkill-hmac-key';

describe.skipIf(!process.env.DATABASE_URL)('gateway process SIGKILLed during writes', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let first: GatewayProcess;
  const processes: GatewayProcess[] = [];
  const token = generateApiToken();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-faults-kill-'));
    env = gatewayEnv(database.url!, token, {
      SGW_AUDIT_HMAC_KEY: HMAC_KEY,
      SGW_DATA_DIR: dataDir,
      SGW_LOG_LEVEL: 'warn',
    });
    first = await startGatewayProcess(env);
    processes.push(first);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a new process on the same database has every acknowledged write, nothing half-written, and a valid audit chain', async () => {
    const writers = startSecretWriters(first.url, token, { writers: 8, prefix: 'kill', writesPerSecret: 4 });
    // Mid-stream: writes are in flight on every writer when the process dies.
    await writers.waitForAcks(150, 20_000);
    expect(await first.stop('SIGKILL')).toBeNull();
    expect(first.child.signalCode).toBe('SIGKILL');
    await writers.stop();
    const lost = writers.attempts.filter((a) => a.outcome !== 'ok');
    expect(lost.length).toBeGreaterThan(0); // some writes were cut off
    expect(lost.every((a) => a.outcome.startsWith('network'))).toBe(true);

    const second = await startGatewayProcess(env);
    processes.push(second);
    const post = async (query: string, variables?: Record<string, unknown>) => {
      const result = await postGraphQL(second.url, token, query, variables);
      if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
      return result.data;
    };
    const checked = await expectWritesDurable(post, writers.attempts, HMAC_KEY);
    expect(checked).toBeGreaterThanOrEqual(
      new Set(writers.attempts.filter((a) => a.outcome === 'ok').map((a) => a.name)).size,
    );

    // The new process takes writes on the same secrets, from their acknowledged versions on.
    const secret = writers.attempts.find((a) => a.outcome === 'ok')!;
    const current = await post('query($n: String!) { secret(name: $n) { version } }', { n: secret.name });
    const updated = await post(
      'mutation($n: String!, $v: Int!) { updateSecret(name: $n, values: {a: "after"}, expectedVersion: $v) { version values } }',
      { n: secret.name, v: current.secret.version },
    );
    expect(updated.updateSecret).toMatchObject({
      version: current.secret.version + 1,
      values: { a: 'after' },
    });
    expect((await post('{ verifyAuditChain { ok } }')).verifyAuditChain.ok).toBe(true);
  }, 30_000);
});
