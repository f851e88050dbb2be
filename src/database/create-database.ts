import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
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
}

/** Opens Postgres at `databaseUrl`, or embedded PGlite in `pgliteDir`. */
export async function createDatabase(options: CreateDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its server (Postgres restart) must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (!options.pgliteDir.startsWith('memory://'))
    await mkdir(path.dirname(options.pgliteDir), { recursive: true });
  const pglite = new PGlite(options.pgliteDir);
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}
