import { describe, expect, it } from 'vitest';
import type { Principal } from '../../auth/principal.js';
import type { AuditEvent } from '../audit/audit-event.js';
import { canSeeChange, matchesNames, secretChangeOf } from './secret-change.js';

function event(action: string, target: Record<string, unknown>, outcome: AuditEvent['outcome'] = 'SUCCESS') {
  return {
    ...{ id: '7', at: new Date(0), actor: 'ann', action, outcome, target },
    ...{ valueFingerprints: null, prevHash: '', hash: '' },
  } satisfies AuditEvent;
}
const secret = {
  kind: 'secret',
  secretId: 's1',
  name: 'db',
  scope: 'WORKSPACE',
  ownerId: 'p1',
  keys: ['a', 'b'],
};
const principal = (id: string, role: Principal['role']) => ({ id, name: id, role }) as Principal;

describe('secret changes from audit events', () => {
  it('maps each action, its version and changed key names', () => {
    expect(secretChangeOf(event('secret.create', { ...secret, version: 1 }))).toMatchObject({
      action: 'CREATED',
      version: 1,
      changedKeys: ['a', 'b'],
    });
    const update = { ...secret, version: 3, changedKeys: ['b'], removedKeys: ['a', 'z'] };
    expect(secretChangeOf(event('secret.update', update))?.changedKeys).toEqual(['a', 'b', 'z']);
    const rollback = { ...secret, version: 4, changedKeys: ['x'], removedKeys: [], rolledBackTo: 1 };
    expect(secretChangeOf(event('secret.rollback', rollback))).toMatchObject({
      action: 'ROLLED_BACK',
      changedKeys: ['x'],
    });
    // A migration's replacing update names no changed keys: all of them changed.
    expect(secretChangeOf(event('secret.update', { ...secret, replaced: true }))?.changedKeys).toEqual([
      'a',
      'b',
    ]);
    for (const [action, name] of [
      ['secret.delete', 'DELETED'],
      ['secret.restore', 'RESTORED'],
      ['secret.purge', 'PURGED'],
    ])
      expect(secretChangeOf(event(action, secret))).toMatchObject({
        action: name,
        version: null,
        changedKeys: [],
      });
  });

  it('drops denied and failed attempts and events of anything else', () => {
    expect(secretChangeOf(event('secret.delete', secret, 'DENIED'))).toBeUndefined();
    expect(secretChangeOf(event('secret.update', secret, 'ERROR'))).toBeUndefined();
    expect(secretChangeOf(event('secret.read', secret))).toBeUndefined();
    expect(secretChangeOf(event('secret.delete', { kind: 'secret', name: 'db' }))).toBeUndefined();
  });

  it("looks up a rename's uses under the previous name, and `names` matches either name", () => {
    const renamed = secretChangeOf(event('secret.rename', { ...secret, name: 'db2', previousName: 'db' }))!;
    expect(renamed.usesOf).toEqual({ name: 'db', scope: 'WORKSPACE', ownerId: 'p1' });
    expect(matchesNames(renamed, new Set(['db']))).toBe(true);
    expect(matchesNames(renamed, new Set(['db2']))).toBe(true);
    expect(matchesNames(renamed, new Set(['other']))).toBe(false);
    expect(matchesNames(renamed, null)).toBe(true);
  });

  it('shows a USER secret only to its owner and ADMIN; without an owner id, only to ADMIN', () => {
    const mine = secretChangeOf(event('secret.create', { ...secret, scope: 'USER' }))!;
    expect(canSeeChange(principal('p1', 'READER'), mine)).toBe(true);
    expect(canSeeChange(principal('p2', 'WRITER'), mine)).toBe(false);
    expect(canSeeChange(principal('p2', 'ADMIN'), mine)).toBe(true);
    const ownerless = secretChangeOf(
      event('secret.create', { ...secret, scope: 'USER', ownerId: undefined }),
    )!;
    expect(canSeeChange(principal('p1', 'WRITER'), ownerless)).toBe(false);
    expect(canSeeChange(principal('p1', 'ADMIN'), ownerless)).toBe(true);
    const shared = secretChangeOf(event('secret.create', secret))!;
    expect(canSeeChange(principal('p2', 'READER'), shared)).toBe(true);
  });
});
