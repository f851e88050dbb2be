import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Statements of the request path (background work — marks, checkpoints, workers — left out). */
const REQUEST_PATH =
  /from "tokens"|from "secrets"|from secrets|from "secret_values"|insert into audit_events/;

/** The statements a value read runs, on the store (SQL) and the gateway's database (Postgres or PGlite). */
describe('the value read path', () => {
  let g: TestGateway;
  let statements: string[] | undefined;
  beforeAll(async () => {
    g = await startTestGateway({
      onQuery: (text) => {
        if (statements && REQUEST_PATH.test(text)) statements.push(text);
      },
    });
    await g.ok('mutation { createSecret(name: "one", values: {password: "p1"}) { id } }');
  }, 60_000);
  afterAll(async () => {
    await g?.close();
  });

  it('a warm read is two statements: the lookup with its sealed values, then the audit append', async () => {
    await g.ok('{ secret(name: "one") { values } }'); // the token's session is cached from here
    statements = [];
    const data = await g.ok<{ secret: { values: unknown } }>('{ secret(name: "one") { values } }');
    const seen = statements;
    statements = undefined;
    expect(data.secret.values).toEqual({ password: 'p1' });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/left join secret_values/);
    expect(seen[1]).toMatch(/insert into audit_events/);
  });

  it('a read after a write returns the written values (the values come with the lookup, not from an earlier one)', async () => {
    await g.ok('mutation { updateSecret(name: "one", values: {password: "p2"}) { version } }');
    const data = await g.ok<{ secret: { values: unknown; version: number } }>(
      '{ secret(name: "one") { values version } }',
    );
    expect(data.secret).toEqual({ values: { password: 'p2' }, version: 2 });
    const old = await g.ok<{ secret: { values: unknown } }>('{ secret(name: "one") { values(version: 1) } }');
    expect(old.secret.values).toEqual({ password: 'p1' });
  });

  it('finds names that need quoting in an array parameter, many in one batch', async () => {
    const names = ['a"b', 'c\\d', 'e,f', '{g}', 'NULL', 'h i', "j'k", 'é', ''];
    const { db } = g.gateway.database;
    for (const [i, name] of names.entries()) {
      await g.ok('mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id } }', {
        n: `plain-${i}`,
        v: { i: String(i) },
      });
      // Names as a ZenML server or an older release may have stored them (createSecret refuses these).
      await sql`update secrets set name = ${name} where name = ${`plain-${i}`}`.execute(db);
    }
    const query = `{ ${names.map((n, i) => `s${i}: secret(name: ${JSON.stringify(n)}) { name values }`).join(' ')} }`;
    const data = await g.ok<Record<string, { name: string; values: { i: string } }>>(query);
    expect(names.map((_, i) => data[`s${i}`])).toEqual(
      names.map((name, i) => ({ name, values: { i: String(i) } })),
    );
  });

  it('a secret whose store entry is missing is NOT_FOUND on values, as before', async () => {
    await g.ok('mutation { createSecret(name: "orphan", values: {k: "v"}) { id } }');
    const { db } = g.gateway.database;
    await sql`delete from secret_values where name = (select id::text from secrets where name = 'orphan')`.execute(
      db,
    );
    const result = await g.gql('{ secret(name: "orphan") { name values } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
