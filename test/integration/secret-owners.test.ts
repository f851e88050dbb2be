import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const OWNERS = ['alice', 'bob', 'carol'] as const;
const PER_OWNER = 100;

const CREATE =
  'mutation($n: String!, $s: SecretScope) { createSecret(name: $n, scope: $s, values: {v: "x"}) { id } }';

describe('listing secrets with their owners', () => {
  const statements: string[] = [];
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ onQuery: (sql) => statements.push(sql) });
    for (const owner of OWNERS) {
      const token = await t.tokenFor(owner, 'WRITER');
      // Every other secret USER-scoped (the admin lists those too), 20 requests at a time.
      for (let i = 0; i < PER_OWNER; i += 20) {
        const batch = Array.from({ length: 20 }, (_, j) => i + j);
        await Promise.all(
          batch.map((n) => t.ok(CREATE, { n: `${owner}-${n}`, s: n % 2 ? 'USER' : 'WORKSPACE' }, token)),
        );
      }
    }
  }, 120_000);
  afterAll(() => t.close());

  /** SQL statements one request costs: the fewest of three runs (the worker and relay poll meanwhile). */
  async function statementsOf(query: string): Promise<{ count: number; data: any }> {
    let best = Number.POSITIVE_INFINITY;
    let data: any;
    for (let run = 0; run < 3; run += 1) {
      const before = statements.length;
      data = await t.ok(query);
      best = Math.min(best, statements.length - before);
    }
    return { count: best, data };
  }

  it('costs one statement more with owner { name } (all owners in one query), and names every owner', async () => {
    const total = OWNERS.length * PER_OWNER;
    const without = await statementsOf(`{ secrets(first: ${total}) { nodes { name } } }`);
    const withOwner = await statementsOf(`{ secrets(first: ${total}) { nodes { name owner { name } } } }`);

    const nodes = withOwner.data.secrets.nodes as Array<{ name: string; owner: { name: string } }>;
    expect(nodes).toHaveLength(total);
    expect(without.data.secrets.nodes).toHaveLength(total);
    for (const node of nodes) expect(node.owner.name).toBe(node.name.split('-')[0]);
    expect(new Set(nodes.map((n) => n.owner.name))).toEqual(new Set(OWNERS));

    expect(without.count).toBeGreaterThan(0);
    // The token's session is cached, so the listing alone may be a single statement.
    expect(withOwner.count).toBeLessThanOrEqual(without.count + 1);
  });
});
