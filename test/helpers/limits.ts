import { expect } from 'vitest';
import type { TestGateway } from './test-gateway.js';

/** The token lookup every authenticated request makes. */
const AUTHENTICATION = /from "tokens"/;
/**
 * What runs in the background whatever the requests: the migration worker's poll, the audit relay
 * (its head read included), the audit checkpointer (its poll, lock, reads of the events to sign
 * and of the covered hashes, and the checkpoints it stores).
 */
const BACKGROUND = new RegExp(
  [
    /"migration_jobs"|"audit_pending"|"published" = \$1|set "published"|^select "last_id" from "audit_head"/,
    /audit_checkpoints|advisory_xact_lock|^select "id", "hash" from "audit_events" where "id" in/,
    /^select \* from "audit_events" where "id" > \$1 and "id" <= \$2|^(begin|commit|rollback)/,
  ]
    .map((part) => part.source)
    .join('|'),
  'i',
);

/**
 * Runs an operation that must be refused with BAD_USER_INPUT before any work: the only
 * statements it may run are the token lookup. Returns the error's issues.
 */
export async function refusedWithoutWork(
  t: TestGateway,
  statements: string[],
  query: string,
  variables: Record<string, unknown> | undefined,
  token: string,
): Promise<Array<{ path: string; message: string }>> {
  statements.length = 0;
  const result = await t.gql(query, variables, token);
  expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)?.slice(0, 500)).toBe(
    'BAD_USER_INPUT',
  );
  expect(statements.filter((sql) => !AUTHENTICATION.test(sql) && !BACKGROUND.test(sql))).toEqual([]);
  return result.errors?.[0]?.extensions?.issues ?? [];
}
