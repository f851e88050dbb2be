import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseUnavailable, isUnavailableError } from './database-errors.js';

/** A port nothing listens on (just released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isUnavailableError', () => {
  it('recognizes a Postgres that is down, stopping, starting or dropping connections', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('terminating connection due to crash of another server process', '57P02'),
      withCode('the database system is starting up', '57P03'),
      withCode('the database system is shutting down', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      withCode('could not receive data from client', '08P01'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('Query read timeout'),
      new Error('Connection is closed.'),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect failed'),
      new Error('rollback failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
    ]) {
      expect(isUnavailableError(error), error.message).toBe(true);
    }
  });

  it('leaves bugs and bad requests alone', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021'),
      withCode('syntax error at or near "selec"', '42601'),
      withCode('could not serialize access', '40001'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
    ]) {
      expect(isUnavailableError(error), error.message).toBe(false);
    }
    expect(isUnavailableError('ECONNREFUSED')).toBe(false);
    expect(isUnavailableError(undefined)).toBe(false);
  });

  it('recognizes what node-postgres really throws when nothing listens', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/x` });
    const error = await pool.query('select 1').catch((e: unknown) => e);
    await pool.end();
    expect(isUnavailableError(error)).toBe(true);
  });

  it('maps to BACKEND_UNAVAILABLE with a message that names no address or driver', () => {
    const error = databaseUnavailable();
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).not.toMatch(/ECONN|127\.0\.0\.1|pg|5432/);
  });
});
