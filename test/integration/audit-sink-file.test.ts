import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { createDatabase } from '../../src/database/create-database.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { waitFor } from '../helpers/webhook-receiver.js';

const CANARY = 'file-canary-value-5e0c7d21';

/** The events of the file, one JSON object a line (fails on a line that is not). */
async function fileEvents(file: string): Promise<Array<Record<string, unknown> & { id: string }>> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('file audit sink', () => {
  let dir: string;
  let file: string;
  let database: TestDatabase;
  let t: TestGateway | undefined;
  const env = () => ({ SGW_AUDIT_FILE: file, SGW_ENCRYPTION_KEYS: keys });
  const keys = Keyring.generateDescription('k1');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sgw-file-sink-'));
    file = path.join(dir, 'audit.jsonl');
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await t?.close();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async () => {
    t = await startTestGateway({ env: env(), database, dataDir: path.join(dir, 'data') });
    return t;
  };
  const caughtUp = (gateway: TestGateway) =>
    waitFor('the file sink caught up', async () => {
      const data = await gateway.ok<{ auditSinks: Array<{ lag: number }> }>('{ auditSinks { lag } }');
      return data.auditSinks[0].lag === 0;
    });
  const stored = async (gateway: TestGateway) =>
    (
      await gateway.ok<{ auditEvents: { nodes: Array<{ id: string }> } }>(
        '{ auditEvents(first: 1000) { nodes { id at actor action outcome target valueFingerprints prevHash hash } } }',
      )
    ).auditEvents.nodes;

  it('holds every committed event once, in id order, as the stored event; no value; mode 0600', async () => {
    const gateway = await start();
    for (let i = 0; i < 5; i += 1) {
      await gateway.ok('mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id } }', {
        n: `file-${i}`,
        v: { token: `${CANARY}-${i}` },
      });
      await gateway.ok('query($n: String!) { secret(name: $n) { values } }', { n: `file-${i}` });
    }
    await caughtUp(gateway);
    expect(await fileEvents(file)).toEqual(await stored(gateway));
    expect(await readFile(file, 'utf8')).not.toContain(CANARY);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  }, 120_000); // embedded PGlite on disk starts slowly on a busy machine

  it('still holds every event once after a crash between its fsync and the cursor, with a line cut short', async () => {
    await t?.close();
    t = undefined;
    // What a replica killed at the wrong moment leaves: the cursor behind the file, half a line.
    const handle = await createDatabase({
      databaseUrl: database.url,
      pgliteDir: path.join(dir, 'data', 'pgdata'),
    });
    await handle.db
      .updateTable('audit_sink_cursors')
      .set({ last_id: 3 })
      .where('name', '=', 'file')
      .execute();
    await handle.close();
    await appendFile(file, '{"id":"99","at":"2026-');

    const gateway = await start();
    await gateway.ok('mutation { createSecret(name: "after-crash", values: {k: "v"}) { id } }');
    await caughtUp(gateway);
    const events = await fileEvents(file);
    expect(events).toEqual(await stored(gateway));
    expect(events.map((e) => Number(e.id))).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  }, 120_000);

  it('a file it cannot open is an error on the sink (its code, not its path), and the gateway serves on', async () => {
    await t?.close();
    t = undefined;
    const missing = path.join(dir, 'no-such-folder', 'audit.jsonl');
    const gateway = await startTestGateway({ env: { SGW_AUDIT_FILE: missing } });
    try {
      await gateway.ok('mutation { createSecret(name: "unsinkable", values: {k: "v"}) { id } }');
      await waitFor('the error', async () => {
        const data = await gateway.ok<{ auditSinks: Array<{ lastError: string | null }> }>(
          '{ auditSinks { lastError } }',
        );
        return data.auditSinks[0].lastError === 'could not open the audit file (ENOENT)';
      });
      expect((await gateway.ok('{ secret(name: "unsinkable") { values } }')).secret.values).toEqual({
        k: 'v',
      });
    } finally {
      await gateway.close();
    }
  }, 120_000);
});
