import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { fingerprintValues } from '../src/crypto/fingerprint.js';
import { Keyring } from '../src/crypto/keyring.js';
import {
  type AuditHead,
  CHAIN_START,
  GENESIS_HEAD,
  linkAfter,
  verifyLinks,
} from '../src/services/audit/audit-chain.js';
import type { AuditEvent, UnchainedAuditEvent } from '../src/services/audit/audit-event.js';
import { groupCommit } from '../src/services/audit/group-commit.js';

/** The gateway's default SGW_SECRET_VERSIONS_KEPT. */
const VERSIONS_KEPT = 10;

/** The head a chained batch leaves: its last event. */
function headOf(chained: AuditEvent[]): AuditHead {
  const last = chained[chained.length - 1];
  return { lastId: Number(last.id), lastHash: last.hash };
}

/**
 * The raw chain: events linked by SHA-256 (the gateway's hashing) after a one-row head. Appends
 * expect the head this process last wrote, moving it in the same statement as the insert (so a
 * write holds it until it commits); when another transaction moved it, they lock and read it.
 */
function rawChain(db: Kysely<any>) {
  let head: AuditHead = GENESIS_HEAD;
  const insertAfter = async (executor: Kysely<any>, after: AuditHead, events: AuditEvent[]) => {
    const last = events[events.length - 1];
    const rows = events.map(
      (
        e,
      ) => sql`(${e.id}::bigint, ${e.at}::timestamptz, ${e.action}::text, ${JSON.stringify(e.target)}::jsonb,
        ${JSON.stringify(e.valueFingerprints)}::jsonb, ${e.prevHash}::text, ${e.hash}::text)`,
    );
    const result =
      await sql`with moved as (update bench_raw_head set last_id = ${last.id}, last_hash = ${last.hash}
        where id = 1 and last_hash = ${after.lastHash} returning 1)
      insert into bench_raw_audit (id, at, action, target, value_fingerprints, prev_hash, hash)
      select * from (values ${sql.join(rows)}) as v where exists (select 1 from moved)`.execute(executor);
    return Number(result.numAffectedRows ?? 0) === events.length;
  };
  /** Appends in `trx` after the head it locks. */
  const appendLocked = async (trx: Kysely<any>, events: UnchainedAuditEvent[]) => {
    const { rows } = await sql<{ last_id: string; last_hash: string }>`select last_id, last_hash
      from bench_raw_head where id = 1 for update`.execute(trx);
    const locked = { lastId: Number(rows[0].last_id), lastHash: rows[0].last_hash };
    const chained = linkAfter(locked, events);
    if (!(await insertAfter(trx, locked, chained)))
      throw new Error('raw audit append failed under the head lock');
    return chained;
  };
  /** Appends events in `executor` (a transaction: held until it commits); the chained events. */
  return async (executor: Kysely<any>, events: UnchainedAuditEvent[]) => {
    const expected = head;
    let chained = linkAfter(expected, events);
    head = headOf(chained);
    if (!(await insertAfter(executor, expected, chained)))
      chained = executor.isTransaction
        ? await appendLocked(executor, events)
        : await db.transaction().execute((trx) => appendLocked(trx, events));
    head = headOf(chained);
    return chained;
  };
}

/** The request's JSON body. */
async function bodyOf(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The raw baseline of the reads/writes bench: a bare `node:http` handler doing the work a
 * correct implementation of a value read or a write needs, straight on Kysely, the keyring and
 * ioredis — no GraphQL, auth, outbox or relay. A read: select, decrypt, a chained audit event
 * (fingerprints of the values; concurrent reads' events committed together), publish. A write:
 * in one transaction lock, seal, update keeping the old values and recording the version, a
 * chained audit event; then publish. `POST /read {name}`, `POST /write {name, value}`.
 */
export async function startRawSecretServer(databaseUrl: string, redisUrl: string | undefined, keys: string) {
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 20 }) }),
  });
  const redis = redisUrl ? new Redis(redisUrl, { enableAutoPipelining: true }) : undefined;
  const keyring = Keyring.parse(keys);
  const hmacKey = Buffer.alloc(32, 7);
  await sql`create table bench_raw_head (id int primary key, last_id bigint not null, last_hash text not null)`.execute(
    db,
  );
  await sql`insert into bench_raw_head values (1, 0, ${GENESIS_HEAD.lastHash})`.execute(db);
  await sql`create table bench_raw_audit (id bigint primary key, at timestamptz not null, action text not null,
    target jsonb not null, value_fingerprints jsonb, prev_hash text not null, hash text not null)`.execute(
    db,
  );
  const append = rawChain(db);
  /** Sends committed events on Redis without waiting for it, as the gateway's outbox does. */
  const publish = (events: AuditEvent[]) => {
    for (const e of events) redis?.publish('bench:raw-audit', JSON.stringify(e)).catch(() => {});
  };
  const event = (action: string, name: string, values: Record<string, string>): UnchainedAuditEvent => ({
    at: new Date(),
    actor: 'bench',
    action: action as UnchainedAuditEvent['action'],
    outcome: 'SUCCESS',
    target: { kind: 'secret', name },
    valueFingerprints: fingerprintValues(hmacKey, values),
  });
  const recordRead = groupCommit<UnchainedAuditEvent>(async (events) => {
    publish(await append(db, events));
  }, 500);
  const find = (executor: Kysely<any>, name: string, forUpdate = false) => {
    let q = executor
      .selectFrom('secrets as s')
      .innerJoin('secret_values as v', (join) => join.on(sql<boolean>`v.name = s.id::text`))
      .select(['s.id', 's.name', 's.version', 'v.key_id', 'v.values'])
      .where('s.name', '=', name)
      .where('s.scope', '=', 'WORKSPACE');
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirstOrThrow();
  };
  const open = (row: { id: string; key_id: string; values: string }) =>
    JSON.parse(keyring.open({ keyId: row.key_id, ciphertext: row.values }, row.id)) as Record<string, string>;
  /**
   * The write and its history in one statement, as a hand-written store would: the previous sealed
   * values kept under the old version, the new ones written, the row's version moved, the version
   * recorded and both windows pruned (every part sees the same snapshot, so the copy is the old values).
   */
  const keepAndUpdate = (
    trx: Kysely<any>,
    row: { id: string; version: number },
    sealed: { keyId: string; ciphertext: string },
    keys: string[],
  ) => {
    const floor = row.version + 1 - VERSIONS_KEPT;
    return sql<{ version: number }>`with kept as (
        insert into secret_value_versions (name, version, key_id, values)
        select name, ${row.version}::integer, key_id, values from secret_values where name = ${row.id}
        on conflict (name, version) do update set key_id = excluded.key_id, values = excluded.values),
      dropped as (delete from secret_value_versions where name = ${row.id} and version <= ${floor}),
      written as (update secret_values set key_id = ${sealed.keyId}, values = ${sealed.ciphertext},
        updated_at = now() where name = ${row.id}),
      moved as (update secrets set version = version + 1, keys = ${JSON.stringify(keys)}::jsonb,
        updated_at = now() where id = ${row.id} returning id, version, keys),
      recorded as (insert into secret_versions (secret_id, version, actor, keys, changed_keys)
        select id, version, 'bench', keys, '["password"]'::jsonb from moved),
      pruned as (delete from secret_versions where secret_id = ${row.id} and version <= ${floor})
      select version from moved`.execute(trx);
  };
  const read = async (name: string) => {
    const row = await find(db, name);
    const values = open(row);
    await recordRead(event('secret.read', row.name, values));
    return { values };
  };
  const write = async (name: string, value: string) => {
    let events: AuditEvent[] = [];
    const version = await db.transaction().execute(async (trx) => {
      const row = await find(trx, name, true);
      const values = { ...open(row), password: value };
      const sealed = keyring.seal(JSON.stringify(values), row.id);
      const moved = await keepAndUpdate(trx, row, sealed, Object.keys(values).sort());
      events = await append(trx, [event('secret.update', row.name, { password: value })]);
      return moved.rows[0].version;
    });
    publish(events);
    return { version };
  };
  /** Whether every request served left one event on one unbroken chain ending at the stored head. */
  const verify = async (served: number) => {
    const { rows } = await sql<any>`select * from bench_raw_audit order by id`.execute(db);
    const events = rows.map((r) => ({
      ...{ id: r.id, at: r.at, actor: 'bench', action: r.action, outcome: 'SUCCESS' as const },
      ...{ target: r.target, valueFingerprints: r.value_fingerprints, prevHash: r.prev_hash, hash: r.hash },
    }));
    const progress = verifyLinks(events, CHAIN_START);
    const stored = await sql<{
      last_hash: string;
    }>`select last_hash from bench_raw_head where id = 1`.execute(db);
    return {
      served,
      events: progress.checked,
      intact: progress.firstBrokenId === null && progress.head.lastHash === stored.rows[0].last_hash,
    };
  };
  let served = 0;
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/verify')
        return void res.end(JSON.stringify(await verify(served)));
      const body = await bodyOf(req);
      const answer = req.url === '/write' ? await write(body.name, body.value) : await read(body.name);
      served += 1;
      const text = JSON.stringify({ data: answer });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (error) {
      res.writeHead(500).end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis?.disconnect();
      await db.destroy();
    },
  };
}
