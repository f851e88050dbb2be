import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

describe('Stack.isActive', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
    for (const name of ['s1', 's2', 's3'])
      await t.ok(`mutation { registerStack(name: "${name}", components: []) { id } }`);
    await t.ok('mutation { setActiveStack(name: "s2") { id } }');
  });
  afterAll(() => t.close());

  it('reads the caller’s active stack once per request, not once per listed stack', async () => {
    const reads = vi.spyOn(t.gateway.services.stacks, 'activeStackId');
    try {
      const { stacks } = await t.ok('{ stacks { name isActive } }');
      expect(stacks).toEqual([
        { name: 's1', isActive: false },
        { name: 's2', isActive: true },
        { name: 's3', isActive: false },
      ]);
      expect(reads).toHaveBeenCalledTimes(1);
      await t.ok('{ stacks { isActive } again: stacks { isActive } activeStack { isActive } }');
      expect(reads).toHaveBeenCalledTimes(2);
    } finally {
      reads.mockRestore();
    }
  });

  it('follows setActiveStack within one operation, and is per principal', async () => {
    const both = await t.ok(
      'mutation { a: setActiveStack(name: "s1") { isActive } b: setActiveStack(name: "s3") { isActive } }',
    );
    expect(both).toEqual({ a: { isActive: true }, b: { isActive: true } });
    const { stacks } = await t.ok('{ stacks { name isActive } }');
    expect(
      stacks.filter((s: { isActive: boolean }) => s.isActive).map((s: { name: string }) => s.name),
    ).toEqual(['s3']);
    const reader = await t.tokenFor('reader-1', 'READER');
    const seen = await t.ok('{ stacks { isActive } }', {}, reader);
    expect(seen.stacks.every((s: { isActive: boolean }) => !s.isActive)).toBe(true);
  });
});
