import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backUpAudit,
  restoreAudit,
  rewriteLog,
  storedEvents,
  truncateLog,
} from '../helpers/audit-attacker.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * Done-means 1 of "Audit you can prove": the database attacker (direct SQL, no signing key)
 * truncates, rewrites, deletes and reorders; `verifyAuditChain` and `sgw audit verify` on an
 * export (the real CLI, as a process) each catch it. Build first (`npm run build`).
 */
const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const VERIFY = `query($full: Boolean) { verifyAuditChain(full: $full) { ok checked firstBrokenId problem lastCheckpoint { lastEventId } } }`;
type Report = {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
  problem: string | null;
  lastCheckpoint: { lastEventId: string } | null;
};

let t: TestGateway;
let home: string;
let env: Record<string, string>;
let auditor: string;
let db: any;
/** Event ids of the signed checkpoints, oldest first. */
let checkpointed: number[];
let head: number;

async function verifyIn(full = false): Promise<Report> {
  return (await t.ok<{ verifyAuditChain: Report }>(VERIFY, { full }, auditor)).verifyAuditChain;
}

/** `sgw audit export` to a file, then `sgw audit verify` on it with the gateway's key. */
async function exportAndVerify(name: string, extra: string[] = []) {
  const file = path.join(home, `${name}.jsonl`);
  const exported = await runCli(['audit', 'export', '--out', file], { env, timeoutMs: 60_000 });
  expect(exported.code, exported.stderr).toBe(0);
  const { auditPublicKey } = await t.ok<{ auditPublicKey: string }>('{ auditPublicKey }');
  const verified = await runCli(
    ['audit', 'verify', '--file', file, '--public-key', auditPublicKey, ...extra],
    {
      env: { HOME: home },
      timeoutMs: 60_000,
    },
  );
  return { ...verified, file };
}

/** The checkpoint event just before `id` (0 when none): a rewrite is placed after it. */
const checkpointBefore = (id: number) => Math.max(0, ...checkpointed.filter((c) => c < id));

beforeAll(async () => {
  t = await startTestGateway();
  const { url } = await t.listen();
  home = await mkdtemp(path.join(tmpdir(), 'sgw-attacker-'));
  auditor = await t.tokenFor('the-auditor', 'AUDITOR');
  env = { HOME: home, SGW_URL: url, SGW_TOKEN: auditor };
  db = t.gateway.database.db;
  await t.ok(`mutation { createSecret(name: "payroll", values: {password: "${CANARY}"}) { id } }`);
  for (let i = 0; i < 3; i += 1) await t.ok('{ secret(name: "payroll") { values } }');
  for (let n = 0; n < 2400; n += 600)
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        t.gateway.services.audit.record({
          actor: 'filler',
          action: 'secret.read',
          target: { kind: 'secret', name: `f${n + i}` },
        }),
      ),
    );
  await t.ok(`mutation { updateSecret(name: "payroll", values: {password: "${CANARY}-2"}) { id } }`);
  await t.gateway.services.audit.checkpointNow(true);
  const rows = await sql<{
    id: string;
  }>`select last_event_id as id from audit_checkpoints order by last_event_id`.execute(db);
  checkpointed = rows.rows.map((r) => Number(r.id));
  head = Number((await sql<{ id: string }>`select last_id as id from audit_head`.execute(db)).rows[0].id);
  expect(checkpointed.at(-1)).toBe(head);
  expect(checkpointed.length).toBeGreaterThanOrEqual(3);
  expect(await verifyIn()).toMatchObject({ ok: true, checked: head, problem: null });
  await backUpAudit(db);
}, 120_000);

afterAll(async () => {
  await t?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('a clean log', () => {
  it('verifies in the gateway and offline, and the export holds no secret value', async () => {
    expect(await verifyIn()).toMatchObject({ ok: true, checked: head, firstBrokenId: null });
    expect(await verifyIn(true)).toMatchObject({
      ok: true,
      checked: head,
      lastCheckpoint: { lastEventId: String(head) },
    });
    const result = await exportAndVerify('clean');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`OK: events 1 to ${head}: every link holds`));
    expect(result.stdout).toMatch(/The last event is covered by a signed checkpoint/);
    const text = await readFile(result.file, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(head + checkpointed.length + 1);
    expect(text).not.toContain(CANARY);
  }, 60_000);
});

describe('the database attacker', () => {
  it('truncation with a consistent audit_head', async () => {
    await restoreAudit(db);
    const keep = checkpointed[1] - 300;
    await truncateLog(db, keep);
    expect(await verifyIn()).toMatchObject({
      ok: false,
      firstBrokenId: String(keep + 1),
      problem: expect.stringMatching(/gone/),
    });
    const offline = await exportAndVerify('truncated');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(new RegExp(`first bad event ${keep + 1}: .*removed`));
  }, 60_000);

  it('truncation that also deletes the later checkpoints and the verifier’s memory', async () => {
    await restoreAudit(db);
    const keep = checkpointed[1] - 300;
    await truncateLog(db, keep);
    await sql`delete from audit_checkpoints where last_event_id > ${keep}`.execute(db);
    expect(await verifyIn()).toMatchObject({ ok: false, firstBrokenId: String(keep + 1) });
    await sql`delete from audit_verification`.execute(db);
    // This replica signed the newest checkpoint: a newest checkpoint below it means some were removed.
    expect(await verifyIn()).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/checkpoints were removed/),
    });
  }, 60_000);

  it('an edited event with every later hash recomputed', async () => {
    await restoreAudit(db);
    const events = await storedEvents(db);
    const read = events.find((e) => e.action === 'secret.read' && e.target.name === 'payroll');
    expect(read).toBeDefined();
    const edited = Number(read?.id);
    await rewriteLog(
      db,
      events.map((e) => (e.id === read?.id ? { ...e, actor: 'nobody' } : e)),
    );
    const expected = String(checkpointBefore(edited) + 1);
    expect(await verifyIn()).toMatchObject({
      ok: false,
      firstBrokenId: expected,
      problem: expect.stringMatching(/rewritten/),
    });
    expect(await verifyIn(true)).toMatchObject({ ok: false, firstBrokenId: expected });
    const offline = await exportAndVerify('rewritten');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(new RegExp(`first bad event ${expected}: .*rewritten`));
  }, 60_000);

  it('a deleted middle event, the later ones renumbered and rehashed', async () => {
    await restoreAudit(db);
    const gone = checkpointed[0] + 17;
    await rewriteLog(
      db,
      (await storedEvents(db)).filter((e) => e.id !== String(gone)),
    );
    const expected = String(checkpointBefore(gone) + 1);
    expect(await verifyIn()).toMatchObject({ ok: false, firstBrokenId: expected });
    const offline = await exportAndVerify('deleted-renumbered');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(new RegExp(`first bad event ${expected}:`));
  }, 60_000);

  it('a deleted middle event, leaving a gap', async () => {
    await restoreAudit(db);
    const gone = checkpointed[1] - 5;
    await sql`delete from audit_events where id = ${gone}`.execute(db);
    expect(await verifyIn(true)).toMatchObject({ ok: false, firstBrokenId: String(gone) });
    // Incremental calls re-check one page of the verified events each: the gap shows within a round.
    const rounds = Math.ceil(head / 1000) + 1;
    const reports: Report[] = [];
    for (let i = 0; i < rounds; i += 1) reports.push(await verifyIn());
    expect(reports.find((r) => !r.ok)).toMatchObject({ firstBrokenId: String(gone) });
    const offline = await exportAndVerify('deleted-gap');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(new RegExp(`first bad event ${gone}: .*missing`));
  }, 60_000);

  it('two events reordered, with or without the hashes recomputed', async () => {
    await restoreAudit(db);
    const events = await storedEvents(db);
    const at = checkpointed[0] + 10;
    const swapped = [...events];
    [swapped[at - 1], swapped[at]] = [swapped[at], swapped[at - 1]];
    await rewriteLog(db, swapped);
    const expected = String(checkpointBefore(at) + 1);
    expect(await verifyIn()).toMatchObject({ ok: false, firstBrokenId: expected });
    const offline = await exportAndVerify('reordered');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(new RegExp(`first bad event ${expected}:`));
    // Swapped rows, hashes left as they were: every link after the first swapped one fails.
    await restoreAudit(db);
    await sql`update audit_events set id = -1 where id = ${at}`.execute(db);
    await sql`update audit_events set id = ${at} where id = ${at + 1}`.execute(db);
    await sql`update audit_events set id = ${at + 1} where id = -1`.execute(db);
    expect(await verifyIn(true)).toMatchObject({ ok: false, firstBrokenId: String(at) });
    const plain = await exportAndVerify('reordered-plain');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(new RegExp(`first bad event ${at}:`));
  }, 60_000);

  it('verifies again once the log is put back', async () => {
    await restoreAudit(db);
    expect(await verifyIn()).toMatchObject({ ok: true, checked: head });
    expect((await exportAndVerify('restored')).code).toBe(0);
  }, 60_000);
});
