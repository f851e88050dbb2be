import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

describe('tokens and principals', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('issues sgw_ tokens stored only as SHA-256, and revokes them', async () => {
    const created = await t.ok(
      `mutation { createToken(principal: "ci-bot", role: WRITER) { id token principal { name role } } }`,
    );
    const { id, token, principal } = created.createToken;
    expect(token).toMatch(/^sgw_[A-Za-z0-9_-]{43}$/);
    expect(principal).toEqual({ name: 'ci-bot', role: 'WRITER' });
    const rows = await sql`select * from tokens`.execute(t.gateway.database.db);
    expect(JSON.stringify(rows.rows)).not.toContain(token);
    expect((await t.ok('{ viewer { name role } }', {}, token)).viewer).toEqual({
      name: 'ci-bot',
      role: 'WRITER',
    });
    expect((await t.ok('mutation($id: ID!) { revokeToken(id: $id) }', { id })).revokeToken).toBe(true);
    expect((await t.gql('{ viewer { name } }', {}, token)).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await t.gql('mutation($id: ID!) { revokeToken(id: $id) }', { id })).errors?.[0].extensions?.code,
    ).toBe('NOT_FOUND');
  });

  it('lets only admins manage tokens and audits each change', async () => {
    const writer = await t.tokenFor('wes', 'WRITER');
    const denied = await t.gql(`mutation { createToken(principal: "x", role: ADMIN) { token } }`, {}, writer);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const events = await t.ok(
      `{ auditEvents(filter: {actions: ["token.create"]}) { nodes { actor outcome target } } }`,
    );
    expect(events.auditEvents.nodes.map((e: any) => [e.actor, e.outcome])).toEqual(
      expect.arrayContaining([
        ['admin', 'SUCCESS'],
        ['wes', 'DENIED'],
      ]),
    );
    expect(JSON.stringify(events)).not.toMatch(/sgw_[A-Za-z0-9_-]{43}/);
  });

  it('rejects bad principal names', async () => {
    const bad = await t.gql(`mutation { createToken(principal: "has space", role: READER) { token } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const badRole = await t.gql(`mutation { createToken(principal: "ok", role: KING) { token } }`);
    expect(badRole.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
