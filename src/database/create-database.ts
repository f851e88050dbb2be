import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, type KyselyConfig, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database, Db } from './database.js';

// bigint (int8) as string, numeric stays string; timestamps as Date (pg default).
pg.types.setTypeParser(20, (v) => v);

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  databaseUrl: string | undefined;
  /** PGlite data directory when no URL is given; `memory://` keeps it in memory. */
  pgliteDir: string;
  poolSize?: number;
  /** How long a query waits for a pool connection (Postgres down or pool exhausted); default 5 s. */
  connectionTimeoutMs?: number;
  /** Called with the SQL of every statement run (tests count statements with it). */
  onQuery?: (sql: string) => void;
}

/** Kysely's `log` option calling `onQuery` for each statement, when given. */
function queryLog(onQuery: ((sql: string) => void) | undefined): Pick<KyselyConfig, 'log'> {
  if (!onQuery) return {};
  return {
    log: (event) => {
      if (event.level === 'query') onQuery(event.query.sql);
    },
  };
}

/** Opens Postgres at `databaseUrl`, or embedded PGlite in `pgliteDir`. */
export async function createDatabase(options: CreateDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      // While Postgres is down or the pool is exhausted, a request fails (BACKEND_UNAVAILABLE)
      // after this long rather than hanging; an unreachable host is given up on as quickly.
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      // A connection whose server vanished without a FIN is found dead by TCP keepalive.
      keepAlive: true,
    });
    // A client losing its server (Postgres restart, 57P01) emits 'error'; unhandled, that
    // crashes the process. Idle clients: the pool drops them and re-emits here. Checked-out
    // clients: the query in flight (if any) rejects, the client is unqueryable from then on
    // (later queries reject; mapped to BACKEND_UNAVAILABLE) and the pool drops it on release.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...queryLog(options.onQuery) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (!options.pgliteDir.startsWith('memory://'))
    await mkdir(path.dirname(options.pgliteDir), { recursive: true });
  const pglite = new PGlite(options.pgliteDir);
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), ...queryLog(options.onQuery) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}
