import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  sharedRedisEnv,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import {
  dedupedIds,
  signatureHolds,
  startWebhookReceiver,
  type WebhookReceiver,
  waitFor,
} from '../helpers/webhook-receiver.js';

const SECRET = 'process-webhook-secret-0a9f3e';
const CANARY = 'process-canary-value-d41c8b';

/** Ids of a JSON-lines audit file, in file order. */
async function idsInFile(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => Number((JSON.parse(line) as { id: string }).id));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(!process.env.DATABASE_URL)('audit sinks in gateway processes', () => {
  let database: TestDatabase;
  let dir: string;
  const token = generateApiToken();
  const processes: GatewayProcess[] = [];
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sgw-sink-processes-'));
  });
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    await receiver?.close();
    await database?.drop();
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const post = async (url: string, query: string, variables?: Record<string, unknown>) => {
    const result = await postGraphQL(url, token, query, variables);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  let written = 0;
  /** A secret written with a canary value and read back: a few audit events. */
  const someEvents = async (url: string) => {
    written += 1;
    const name = `p-${written}`;
    await post(url, 'mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id } }', {
      n: name,
      v: { key: `${CANARY}-${written}` },
    });
    await post(url, 'query($n: String!) { secret(name: $n) { values } }', { n: name });
  };
  const sinkState = async (url: string, name: string) =>
    (
      (await post(url, '{ auditSinks { name lastDeliveredId lag } }')).auditSinks as Array<{
        name: string;
        lastDeliveredId: string | null;
        lag: number;
      }>
    ).find((s) => s.name === name)!;
  const caughtUp = async (url: string, name: string) => {
    await waitFor(`${name} caught up`, async () => (await sinkState(url, name)).lag === 0, 30_000);
    return Number((await sinkState(url, name)).lastDeliveredId);
  };

  it('the file sink reopens its path on SIGHUP: rotated events stay, new ones go to the new file, each once', async () => {
    const file = path.join(dir, 'audit.jsonl');
    const gateway = await startGatewayProcess(gatewayEnv(database.url!, token, { SGW_AUDIT_FILE: file }));
    processes.push(gateway);
    await someEvents(gateway.url);
    const before = await caughtUp(gateway.url, 'file');
    expect(await idsInFile(file)).toEqual(range(1, before));

    await rename(file, `${file}.1`);
    gateway.child.kill('SIGHUP');
    await someEvents(gateway.url);
    await someEvents(gateway.url);
    const after = await caughtUp(gateway.url, 'file');
    expect(gateway.child.exitCode).toBeNull(); // SIGHUP did not stop it
    expect(after).toBeGreaterThan(before);
    expect(await idsInFile(`${file}.1`)).toEqual(range(1, before));
    expect(await idsInFile(file)).toEqual(range(before + 1, after));
    expect(await readFile(file, 'utf8')).not.toContain(CANARY);
  }, 90_000);

  it('two replicas: one delivers at a time; SIGKILLed, the other goes on from the cursor with no event missing', async () => {
    receiver = await startWebhookReceiver({ delayMs: 150 });
    const env = gatewayEnv(database.url!, token, {
      ...sharedRedisEnv(`sink-${written}`),
      SGW_AUDIT_WEBHOOK_URL: receiver.url,
      SGW_AUDIT_WEBHOOK_SECRET: SECRET,
      SGW_AUDIT_SINK_LEASE_MS: '1500',
      SGW_AUDIT_WEBHOOK_RETRY_MAX_MS: '300',
    });
    const replicas = [await startGatewayProcess(env), await startGatewayProcess(env)];
    processes.push(...replicas);
    for (let i = 0; i < 10; i += 1) await someEvents(replicas[i % 2].url);
    await caughtUp(replicas[0].url, 'webhook');
    expect(dedupedIds(receiver.accepted()).duplicates).toBe(0); // nobody sent a batch twice

    // The replica holding the lease dies mid-stream; events keep coming through the other one.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query("select owner from audit_sink_cursors where name = 'webhook'");
    await client.end();
    const ownerPid = Number(String(rows[0].owner).split(':')[1]);
    const owner = replicas.find((r) => r.child.pid === ownerPid)!;
    const survivor = replicas.find((r) => r !== owner)!;
    const sent = receiver.requests.length;
    const writing = (async () => {
      for (let i = 0; i < 15; i += 1) await someEvents(survivor.url);
    })();
    // Killed while a batch is at the receiver, unanswered: the receiver keeps it, the cursor never moves past it.
    await waitFor(
      'a batch in flight',
      () => receiver!.requests.length > sent && receiver!.unanswered().length > 0,
    );
    const inFlight = new Set(receiver.unanswered().flatMap((r) => r.ids.map(Number)));
    expect(await owner.stop('SIGKILL')).toBeNull();
    await writing;
    const last = await caughtUp(survivor.url, 'webhook');

    const { ids } = dedupedIds(receiver.accepted());
    expect(ids).toEqual(range(1, last));
    // Sent twice: exactly the batch in flight at the kill (at least once), nothing else.
    const counts = new Map<number, number>();
    for (const id of receiver.accepted().flatMap((r) => r.ids.map(Number)))
      counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(new Set(twice)).toEqual(inFlight);
    expect(receiver.maxInFlight()).toBe(1); // never two deliveries at once
    for (const r of receiver.requests) expect(signatureHolds(SECRET, r.body, r.signature)).toBe(true);
    expect(receiver.requests.map((r) => r.body).join('')).not.toContain(CANARY);
  }, 120_000);
});
