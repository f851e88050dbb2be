import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.js';
import type { Database } from '../../src/database/database.js';
import type { AuditFilter } from '../../src/services/audit/audit-event.js';
import { findAuditEvents } from '../../src/services/audit/audit-repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/** Events seeded (override with SGW_AUDIT_SCALE_EVENTS, e.g. 10000000 for the figure in the README). */
const EVENTS = Number(process.env.SGW_AUDIT_SCALE_EVENTS ?? 1_500_000);
const PAGE_BUDGET_MS = 50;
const INDEXES_MIGRATION = '0009_index_audit_filters';

/**
 * Seeds `audit_events` with `n` rows in one statement (ids 1..n, one second apart with a little
 * jitter, so `at` is not in id order). The hashes are not a chain: this database is the test's own.
 * - actors: 30 % `svc-heavy` (only `secret.read`), `retired` (the first tenth of the log only), 1,000 users;
 * - secrets: 20,000 names; `hot-secret` on a tenth of the reads; never deleted;
 * - every 50th event a `component.resolve` whose `target.secrets` names `shared-db` and one other;
 * - every 100th a `migration.progress` of one of n/10,000 migrations.
 */
function seedStatement(n: number, from: number, to: number): string {
  return `insert into audit_events (id, at, actor, action, outcome, target, value_fingerprints, prev_hash, hash, published)
    select g, timestamptz '2025-01-01' + g * interval '1 second' + ((g * 17) % 7) * interval '1 second',
      case when g % 10 < 3 then 'svc-heavy' when g % 97 = 5 and g < ${n / 10} then 'retired'
           else 'user-' || (g * 7919 % 1000) end,
      case when g % 50 = 3 then 'component.resolve' when g % 100 = 7 then 'migration.progress'
           when g % 10 < 3 then 'secret.read'
           else (array['secret.read','secret.get','secret.list','secret.create','secret.update',
                       'secret.delete','stack.get','component.get','token.create','audit.list'])[1 + (g * 31 % 10)] end,
      'SUCCESS',
      case when g % 50 = 3 then jsonb_build_object('kind', 'component', 'name', 'comp-' || g % 300,
             'secrets', jsonb_build_array(jsonb_build_object('name', 'shared-db'),
                                          jsonb_build_object('name', 'secret-' || g * 104729 % 20000)))
           when g % 100 = 7 then jsonb_build_object('kind', 'migration', 'migrationId', 'mig-' || g / 10000,
             'name', 'secret-' || g % 20000)
           when g % 10 = 1 and g % 3 = 0 then jsonb_build_object('kind', 'secret', 'name', 'hot-secret')
           else jsonb_build_object('kind', 'secret', 'name', 'secret-' || g * 104729 % 20000) end,
      null, lpad(to_hex(g - 1), 64, '0'), lpad(to_hex(g), 64, '0'), true
    from generate_series(${from}::bigint, ${to}::bigint) g`;
}

/** Every filter a reader may give, alone and in the combinations that find nothing. */
function filters(n: number): Array<[string, AuditFilter | null]> {
  const at = (g: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + g * 1000);
  return [
    ['no filter', null],
    ['one action', { actions: ['secret.delete'] }],
    ['several actions', { actions: ['secret.delete', 'token.create', 'stack.get'] }],
    ['an action never recorded', { actions: ['key.rotate'] }],
    ['a busy actor', { actor: 'svc-heavy' }],
    ['a rare actor', { actor: 'retired' }],
    ['an unknown actor', { actor: 'nobody' }],
    ['a hot secret', { secretName: 'hot-secret' }],
    ['a secret named in target.secrets', { secretName: 'shared-db' }],
    ['an unknown secret', { secretName: 'no-such-secret' }],
    ['a migration', { migrationId: `mig-${Math.floor(n / 20_000)}` }],
    ['an unknown migration', { migrationId: 'mig-none' }],
    ['since the last hour', { since: at(n - 3600) }],
    ['since the start', { since: at(0) }],
    ['since a future time', { since: at(n + 86_400) }],
    ['busy actor x action it never did', { actor: 'svc-heavy', actions: ['secret.delete'] }],
    ['busy actor x actions it never did', { actor: 'svc-heavy', actions: ['secret.delete', 'token.create'] }],
    ['busy actor x secret it never touched', { actor: 'svc-heavy', secretName: 'shared-db' }],
    ['hot secret x action never on it', { secretName: 'hot-secret', actions: ['secret.delete'] }],
    ['array secret x action never on it', { secretName: 'shared-db', actions: ['secret.read'] }],
    [
      'migration x action never on it',
      { migrationId: `mig-${Math.floor(n / 20_000)}`, actions: ['secret.read'] },
    ],
    ['rare actor x recent since', { actor: 'retired', since: at(n / 2) }],
    ['busy actor x future since', { actor: 'svc-heavy', since: at(n + 86_400) }],
    ['hot secret x actor x action', { secretName: 'hot-secret', actor: 'user-7', actions: ['secret.read'] }],
  ];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

describe.skipIf(!process.env.DATABASE_URL)(`audit filters on ${EVENTS.toLocaleString('en')} events`, () => {
  let testDb: TestDatabase;
  let db: Kysely<Database>;
  const statements: CompiledQuery[] = [];
  const timings: Record<string, number> = {};

  beforeAll(
    async () => {
      testDb = await createTestDatabase();
      // Index builds of the upgrade get the memory an operator would give them.
      const pool = new pg.Pool({
        connectionString: testDb.url,
        max: 2,
        options: '-c maintenance_work_mem=256MB',
      });
      pool.on('error', () => {});
      db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool }),
        log: (event) => {
          if (event.level === 'query') statements.push(event.query);
        },
      });
      const before = Object.fromEntries(
        Object.entries(migrations).filter(([name]) => name < INDEXES_MIGRATION),
      );
      await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
      let started = Date.now();
      // Two halves at once, one per connection (and core).
      const half = Math.floor(EVENTS / 2);
      await Promise.all(
        [
          [1, half],
          [half + 1, EVENTS],
        ].map(([from, to]) =>
          db.executeQuery({
            sql: seedStatement(EVENTS, from, to),
            parameters: [],
          } as unknown as CompiledQuery),
        ),
      );
      await db.executeQuery({
        sql: `update audit_head set last_id = ${EVENTS}, last_hash = lpad(to_hex(${EVENTS}), 64, '0')`,
        parameters: [],
      } as unknown as CompiledQuery);
      timings.seed = Date.now() - started;
      // The indexes are built as an upgrade would build them: on a log that is already long.
      started = Date.now();
      const { error } = await new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
      }).migrateToLatest();
      if (error) throw error;
      timings.migration = Date.now() - started;
      // What autovacuum does to a log that grew: visibility map set (index-only scans), statistics.
      started = Date.now();
      await db.executeQuery({
        sql: 'vacuum analyze audit_events',
        parameters: [],
      } as unknown as CompiledQuery);
      timings.vacuum = Date.now() - started;
    },
    Math.max(300_000, EVENTS / 8),
  );

  afterAll(async () => {
    console.log(`audit filters at scale (${EVENTS} events): ${JSON.stringify(timings)}`);
    await db?.destroy();
    if (!process.env.H6KEEP) await testDb?.drop();
    else console.log('KEPT', testDb.url);
  });

  for (const newestFirst of [true, false]) {
    const order = newestFirst ? 'newest first' : 'oldest first';
    it.each(filters(EVENTS))(
      `%s (${order}): an index plan, first page under ${PAGE_BUDGET_MS} ms`,
      async (label, filter) => {
        const page = { filter, limit: 51, newestFirst };
        const times: number[] = [];
        for (let run = 0; run < 3; run++) {
          statements.length = 0;
          const started = performance.now();
          const events = await findAuditEvents(db, page);
          times.push(performance.now() - started);
          expect(events.length).toBeLessThanOrEqual(51);
        }
        // Every statement of the page (a `since` page probes the `at` index first).
        const plans: PlanNode[] = [];
        for (const query of [...statements]) {
          const explained = await db.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>({
            ...query,
            sql: `explain (format json) ${query.sql}`,
          } as CompiledQuery);
          plans.push(explained.rows[0]['QUERY PLAN'][0].Plan);
        }
        const plan: PlanNode = { 'Node Type': 'page', Plans: plans };
        timings[`${label}, ${order}`] = Math.round(Math.min(...times) * 10) / 10;
        expect(seqScans(plan), JSON.stringify(plan)).toEqual([]);
        expect(Math.min(...times)).toBeLessThan(PAGE_BUDGET_MS);
      },
    );
  }
});
