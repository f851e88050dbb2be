import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Finding 9 of issue #15: `createToken` silently changed an existing principal's role, down to no admin. */

const CREATE =
  'mutation($p: String!, $r: Role!) { createToken(principal: $p, role: $r) { id token principal { role } } }';
const SET_ROLE =
  'mutation($p: String!, $r: Role!) { setPrincipalRole(principal: $p, role: $r) { name role } }';
const REVOKE = 'mutation($id: ID!) { revokeToken(id: $id) }';

function codeOf(result: { errors?: Array<{ extensions?: Record<string, any> }> }) {
  return result.errors?.[0]?.extensions?.code;
}

describe('roles change only through setPrincipalRole, and an admin always remains', () => {
  let t: TestGateway;
  /** Ids of the bootstrap admin's live tokens (SGW_ADMIN_TOKEN), read from the database. */
  let bootstrapTokenIds: string[];
  beforeAll(async () => {
    t = await startTestGateway();
    const rows = await sql<{ id: string }>`
      select tokens.id from tokens join principals on principals.id = tokens.principal_id
      where principals.name = 'admin' and tokens.revoked_at is null`.execute(t.gateway.database.db);
    bootstrapTokenIds = rows.rows.map((r) => r.id);
  });
  afterAll(() => t?.close());

  it('createToken for an existing principal with another role is CONFLICT; the admin stays ADMIN', async () => {
    const demote = await t.gql(CREATE, { p: 'admin', r: 'READER' });
    expect(codeOf(demote)).toBe('CONFLICT');
    expect(demote.errors?.[0].message).toMatch(/setPrincipalRole/);
    expect((await t.ok('{ viewer { name role } }')).viewer).toEqual({ name: 'admin', role: 'ADMIN' });
    // The bootstrap token still manages tokens.
    const writer = await t.ok(CREATE, { p: 'escalator', r: 'WRITER' });
    const escalate = await t.gql(CREATE, { p: 'escalator', r: 'ADMIN' });
    expect(codeOf(escalate)).toBe('CONFLICT');
    expect((await t.ok('{ viewer { role } }', {}, writer.createToken.token)).viewer.role).toBe('WRITER');
    // The same role is a second token, as before.
    const again = await t.ok(CREATE, { p: 'escalator', r: 'WRITER' });
    expect(again.createToken.principal.role).toBe('WRITER');
    const stored = await sql<{ role: string }>`select role from principals where name = 'admin'`.execute(
      t.gateway.database.db,
    );
    expect(stored.rows[0].role).toBe('ADMIN');
  });

  it('setPrincipalRole changes the role of every token of the principal, audited', async () => {
    const first = (await t.ok(CREATE, { p: 'rotating', r: 'WRITER' })).createToken.token;
    const second = (await t.ok(CREATE, { p: 'rotating', r: 'WRITER' })).createToken.token;
    await t.ok('mutation { createSecret(name: "role-probe", values: {k: "v"}) { id } }');
    expect((await t.gql('{ secret(name: "role-probe") { values } }', {}, first)).errors).toBeUndefined();

    const changed = await t.ok(SET_ROLE, { p: 'rotating', r: 'READER' });
    expect(changed.setPrincipalRole).toEqual({ name: 'rotating', role: 'READER' });
    for (const token of [first, second]) {
      expect((await t.ok('{ viewer { role } }', {}, token)).viewer.role).toBe('READER');
      expect(codeOf(await t.gql('{ secret(name: "role-probe") { values } }', {}, token))).toBe('FORBIDDEN');
    }
    const events = await t.ok(
      '{ auditEvents(filter: {actions: ["principal.set_role"]}) { nodes { actor outcome target } } }',
    );
    expect(events.auditEvents.nodes).toContainEqual(
      expect.objectContaining({
        actor: 'admin',
        outcome: 'SUCCESS',
        target: expect.objectContaining({ principal: 'rotating', role: 'READER', from: 'WRITER' }),
      }),
    );
    expect(codeOf(await t.gql(SET_ROLE, { p: 'nobody-here', r: 'READER' }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(SET_ROLE, { p: 'has space', r: 'READER' }))).toBe('BAD_USER_INPUT');
  });

  it('a WRITER may not change roles (FORBIDDEN, audited DENIED), not even its own', async () => {
    const writer = (await t.ok(CREATE, { p: 'climber', r: 'WRITER' })).createToken.token;
    for (const target of ['climber', 'admin']) {
      const result = await t.gql(SET_ROLE, { p: target, r: target === 'admin' ? 'READER' : 'ADMIN' }, writer);
      expect(codeOf(result)).toBe('FORBIDDEN');
    }
    expect((await t.ok('{ viewer { role } }', {}, writer)).viewer.role).toBe('WRITER');
    expect((await t.ok('{ viewer { role } }')).viewer.role).toBe('ADMIN');
    const denied = await t.ok(
      '{ auditEvents(filter: {actions: ["principal.set_role"], actor: "climber"}) { nodes { outcome target } } }',
    );
    expect(denied.auditEvents.nodes.map((e: any) => [e.outcome, e.target.principal])).toEqual(
      expect.arrayContaining([
        ['DENIED', 'climber'],
        ['DENIED', 'admin'],
      ]),
    );
  });

  it('the last admin can be neither demoted nor have its last token revoked (CONFLICT)', async () => {
    expect(bootstrapTokenIds).toHaveLength(1);
    const demote = await t.gql(SET_ROLE, { p: 'admin', r: 'READER' });
    expect(codeOf(demote)).toBe('CONFLICT');
    expect(codeOf(await t.gql(REVOKE, { id: bootstrapTokenIds[0] }))).toBe('CONFLICT');
    expect((await t.ok('{ viewer { role } }')).viewer.role).toBe('ADMIN');

    // An ADMIN principal whose tokens are all revoked does not count as an admin left.
    const ghost = (await t.ok(CREATE, { p: 'ghost', r: 'ADMIN' })).createToken;
    expect((await t.ok(REVOKE, { id: ghost.id })).revokeToken).toBe(true);
    expect(codeOf(await t.gql(SET_ROLE, { p: 'admin', r: 'READER' }))).toBe('CONFLICT');

    // With a second admin holding a live token, the bootstrap admin may go; then that one is the last.
    const ops = (await t.ok(CREATE, { p: 'ops', r: 'ADMIN' })).createToken;
    expect((await t.ok(SET_ROLE, { p: 'admin', r: 'READER' })).setPrincipalRole.role).toBe('READER');
    expect(codeOf(await t.gql(SET_ROLE, { p: 'ops', r: 'WRITER' }, ops.token))).toBe('CONFLICT');
    expect(codeOf(await t.gql(REVOKE, { id: ops.id }, ops.token))).toBe('CONFLICT');
    expect((await t.ok('{ viewer { role } }', {}, ops.token)).viewer.role).toBe('ADMIN');
    // Restore the bootstrap admin for the next test.
    await t.ok(SET_ROLE, { p: 'admin', r: 'ADMIN' }, ops.token);
    expect((await t.ok('{ viewer { role } }')).viewer.role).toBe('ADMIN');
  });

  it('two admins demoting each other at once leave one admin', async () => {
    const other = (await t.ok(CREATE, { p: 'rival', r: 'ADMIN' })).createToken;
    // "ops" (previous test) still holds a live ADMIN token: revoke it so exactly two admins remain.
    const opsTokens = await sql<{ id: string }>`
      select tokens.id from tokens join principals on principals.id = tokens.principal_id
      where principals.name = 'ops' and tokens.revoked_at is null`.execute(t.gateway.database.db);
    for (const row of opsTokens.rows) await t.ok(REVOKE, { id: row.id });
    const results = await Promise.all([
      t.gql(SET_ROLE, { p: 'rival', r: 'READER' }),
      t.gql(SET_ROLE, { p: 'admin', r: 'READER' }, other.token),
    ]);
    // One wins; the other is CONFLICT (or FORBIDDEN when its caller was already demoted).
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === undefined)).toHaveLength(1);
    expect(codes.find((c) => c !== undefined)).toMatch(/^(CONFLICT|FORBIDDEN)$/);
    const admins = await sql<{ n: string }>`
      select count(distinct principals.id) as n from tokens join principals on principals.id = tokens.principal_id
      where principals.role = 'ADMIN' and tokens.revoked_at is null`.execute(t.gateway.database.db);
    expect(Number(admins.rows[0].n)).toBe(1);
  });
});
