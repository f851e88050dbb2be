import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const WRITERS = 16;

/**
 * Concurrent merges into one secret: each write locks the secret and reads its values in one
 * query (SQL store); a write that waited for another must see that one's values, not older ones.
 */
describe('concurrent updates of one secret', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('keeps every key each writer added and gives each write its own version', async () => {
    await t.ok('mutation { createSecret(name: "merged", values: {base: "0"}) { id } }');
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        t.gql<{ updateSecret: { version: number } }>(
          'mutation($v: JSON!) { updateSecret(name: "merged", values: $v) { version } }',
          { v: { [`k${i}`]: `v${i}` } },
        ),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const versions = results.map((r) => r.data?.updateSecret.version).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(versions).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 2));
    const read = await t.ok<{ secret: { values: Record<string, string> } }>(
      '{ secret(name: "merged") { values } }',
    );
    expect(read.secret.values).toEqual({
      base: '0',
      ...Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`k${i}`, `v${i}`])),
    });
  });
});
