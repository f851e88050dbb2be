import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  type AuditFilter,
  auditEventMatches,
} from '../../src/services/audit/audit-event.js';
import { findAuditEvents } from '../../src/services/audit/audit-repository.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Events of every shape the filters look into: names, `target.secrets` arrays, migrations, actors. */
async function recordVariety(t: TestGateway): Promise<void> {
  const { record } = t.gateway.services.audit;
  const actors = ['alice', 'bob', 'carol'];
  for (let i = 0; i < 60; i += 1) {
    const actor = actors[i % 3];
    if (i % 7 === 0)
      await record({
        actor,
        action: 'component.resolve',
        target: {
          kind: 'component',
          name: i % 2 ? 'db' : 'app',
          secrets: [{ name: 'db' }, { name: `s${i % 4}` }],
        },
      });
    else if (i % 5 === 0)
      await record({
        actor,
        action: 'migration.progress',
        target: { kind: 'migration', migrationId: `m${i % 2}`, name: `s${i % 4}` },
      });
    else
      await record({
        actor,
        action: i % 2 ? 'secret.read' : 'secret.update',
        target: { kind: 'secret', name: `s${i % 4}` },
      });
  }
}

const FILTERS: AuditFilter[] = [
  { actions: ['secret.read'] },
  { actions: ['secret.read', 'component.resolve', 'secret.read'] },
  { actions: ['nothing.ever'] },
  { actor: 'bob' },
  { secretName: 'db' },
  { secretName: 's1' },
  { secretName: 's1', actions: ['secret.read', 'migration.progress'] },
  { secretName: 'db', actor: 'alice', actions: ['component.resolve'] },
  { migrationId: 'm1' },
  { migrationId: 'm1', actions: ['migration.progress'], actor: 'carol' },
  { actor: 'alice', actions: ['secret.update'] },
  { actor: 'alice', secretName: 's2' },
  { since: new Date(Date.now() - 60_000), actor: 'bob', secretName: 's3' },
  { since: new Date(Date.now() + 60_000) },
];

/** Every page of a filter, `size` events at a time, by cursor. */
async function allPages(t: TestGateway, filter: AuditFilter, newestFirst: boolean, size: number) {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AuditEvent[] = await findAuditEvents(t.gateway.database.db, {
      filter,
      after,
      limit: size,
      newestFirst,
    });
    ids.push(...page.map((e) => e.id));
    if (page.length < size) return ids;
    after = page[page.length - 1].id;
  }
}

describe('filtered pages of the audit log', () => {
  let t: TestGateway;
  let everything: AuditEvent[];
  beforeAll(async () => {
    t = await startTestGateway();
    await recordVariety(t);
    everything = await findAuditEvents(t.gateway.database.db, { limit: 10_000 });
  });
  afterAll(() => t?.close());

  it.each(FILTERS.map((f) => [JSON.stringify(f), f]))(
    '%s: the events the filter matches, paged either way',
    async (_label, filter) => {
      const expected = everything.filter((e) => auditEventMatches(e, filter as AuditFilter)).map((e) => e.id);
      expect(await allPages(t, filter as AuditFilter, false, 4)).toEqual(expected);
      expect(await allPages(t, filter as AuditFilter, true, 4)).toEqual([...expected].reverse());
    },
  );

  it('finds the events naming a secret only inside target.secrets', () => {
    const viaArray = everything.filter((e) => e.action === 'component.resolve' && e.target.name === 'app');
    expect(viaArray.length).toBeGreaterThan(0);
    expect(viaArray.every((e) => auditEventMatches(e, { secretName: 'db' }))).toBe(true);
  });
});
