import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const hasServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, polling every 50 ms; fails after `ms`. */
async function waitFor(ms: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Events not yet on the live feed are listed in `audit_unpublished` (migration 0012): sending one
 * deletes its id there and leaves the event's row as it was written; rows a replica of the
 * previous release leaves flagged `published = false` are still sent by the relay.
 */
describe.runIf(hasServices)('audit events waiting for the live feed (Postgres + Redis)', () => {
  let t: TestGateway;
  const prefix = `unpub${Date.now()}:`;
  const rows = async () =>
    (
      await sql<{ id: string; ctid: string; published: boolean }>`select id, ctid::text as ctid, published
        from audit_events order by id`.execute(t.gateway.database.db)
    ).rows;
  const waiting = async () =>
    (
      await sql<{ id: string }>`select id from audit_unpublished order by id`.execute(t.gateway.database.db)
    ).rows.map((row) => String(row.id));

  beforeAll(async () => {
    t = await startTestGateway({ env: { SGW_REDIS_PREFIX: prefix } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('sends each event and deletes its id from audit_unpublished, never rewriting the event row', async () => {
    await t.ok('mutation { createSecret(name: "unpub", values: {k: "v"}) { id } }');
    await t.ok('{ secret(name: "unpub") { values } }');
    const written = await rows(); // before the outbox's marking, 100 ms after the publish
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.every((row) => row.published)).toBe(true);
    await waitFor(5_000, 'the outbox to mark every event sent', async () => (await waiting()).length === 0);
    expect(await rows()).toEqual(written); // same ctid: no row version was written by the marking
  });

  it('the relay sends an event a previous-release replica left flagged unpublished, then lists it no more', async () => {
    const subscriber = new Redis(process.env.REDIS_URL as string);
    const seen: string[] = [];
    subscriber.on('message', (_channel: string, message: string) =>
      seen.push((JSON.parse(message) as { id: string }).id),
    );
    await subscriber.subscribe(`${prefix}sgw:audit`);
    try {
      await t.ok('mutation { createSecret(name: "legacy", values: {k: "v"}) { id } }');
      await waitFor(5_000, 'the outbox to mark every event sent', async () => (await waiting()).length === 0);
      const [last] = (await rows()).slice(-1);
      await waitFor(2_000, 'the outbox to publish it', async () => seen.includes(last.id));
      seen.length = 0;
      // As a replica of the release before migration 0012 writes an event it has not sent yet.
      await sql`update audit_events set published = false where id = ${last.id}`.execute(
        t.gateway.database.db,
      );
      await waitFor(6_000, 'the relay to send it again', async () => seen.includes(last.id));
      await waitFor(2_000, 'the relay to mark it', async () => (await rows()).every((row) => row.published));
      expect(await waiting()).toEqual([]);
      expect(seen.filter((id) => id === last.id)).toHaveLength(1);
    } finally {
      subscriber.disconnect();
    }
  });
});
