import { createHmac } from 'node:crypto';
import { expect } from 'vitest';

/** One createSecret/updateSecret a writer sent, and how it ended. */
export interface WriteAttempt {
  writer: number;
  name: string;
  /** The version the secret has if this write committed. */
  version: number;
  values: Record<string, string>;
  /** `ok`: acknowledged; otherwise the error code, `network` (no answer) or `timeout`. */
  outcome: string;
  startedAt: number;
  ms: number;
}

export interface SecretWriters {
  attempts: WriteAttempt[];
  /** Acknowledged writes so far. */
  acked(): number;
  /** Resolves once `count` more writes have been acknowledged (after this call). */
  waitForAcks(count: number, timeoutMs?: number): Promise<void>;
  /** Stops every writer after its current request and waits for them. */
  stop(): Promise<void>;
}

export interface SecretWritersOptions {
  writers: number;
  /** Secret names are `<prefix>-<writer>-<n>`. */
  prefix: string;
  /** Writes per secret: one create, then updates with `expectedVersion`. */
  writesPerSecret?: number;
  /** Pause after a failed write (so an outage is not a busy loop). */
  pauseAfterFailureMs?: number;
  requestTimeoutMs?: number;
}

const CREATE = `mutation($name: String!, $values: JSON!) { createSecret(name: $name, values: $values) { version } }`;
const UPDATE = `mutation($name: String!, $values: JSON!, $v: Int!) {
  updateSecret(name: $name, scope: WORKSPACE, values: $values, expectedVersion: $v) { version }
}`;

/**
 * Concurrent clients writing secrets in a loop against `url`: each writer creates a secret,
 * updates it (expectedVersion) a few times, then moves to a new one — also after any failed
 * write, so a secret's only write of unknown outcome is its last attempted one.
 */
export function startSecretWriters(url: string, token: string, options: SecretWritersOptions): SecretWriters {
  const attempts: WriteAttempt[] = [];
  const writesPerSecret = options.writesPerSecret ?? 3;
  let stopped = false;
  let ackCount = 0;
  const waiters: Array<() => void> = [];

  async function send(query: string, variables: Record<string, unknown>): Promise<string> {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 15_000),
      });
      const text = await response.text();
      let body: { errors?: Array<{ extensions?: { code?: string } }> };
      try {
        body = JSON.parse(text);
      } catch {
        return `HTTP ${response.status}: ${text.slice(0, 200)}`;
      }
      if (body.errors?.length) return String(body.errors[0].extensions?.code ?? 'NO_CODE');
      return 'ok';
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return 'timeout';
      return `network: ${(error as Error).message} ${(error as Error).cause ?? ''}`;
    }
  }

  async function writer(w: number): Promise<void> {
    for (let n = 0; !stopped; n += 1) {
      const name = `${options.prefix}-${w}-${n}`;
      for (let version = 1; version <= writesPerSecret && !stopped; version += 1) {
        const values = { a: `${name}@${version}`, b: `b${version % 2}` };
        const startedAt = Date.now();
        const outcome =
          version === 1
            ? await send(CREATE, { name, values })
            : await send(UPDATE, { name, values, v: version - 1 });
        attempts.push({ writer: w, name, version, values, outcome, startedAt, ms: Date.now() - startedAt });
        if (outcome !== 'ok') {
          await new Promise((r) => setTimeout(r, options.pauseAfterFailureMs ?? 100));
          break;
        }
        ackCount += 1;
        for (const wake of waiters.splice(0)) wake();
      }
    }
  }

  const running = Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
  return {
    attempts,
    acked: () => ackCount,
    async waitForAcks(count, timeoutMs = 10_000) {
      const target = ackCount + count;
      const deadline = Date.now() + timeoutMs;
      while (ackCount < target) {
        if (Date.now() > deadline)
          throw new Error(`only ${ackCount - target + count} of ${count} writes acknowledged`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** What a secret may look like now: the acknowledged state, or its last unacknowledged write's. */
export interface ExpectedSecret {
  name: string;
  acked: WriteAttempt | undefined;
  /** The last write, when it was not acknowledged (it may or may not have committed). */
  unknown: WriteAttempt | undefined;
}

export function expectedSecrets(attempts: WriteAttempt[]): ExpectedSecret[] {
  const byName = new Map<string, WriteAttempt[]>();
  for (const attempt of attempts) {
    const list = byName.get(attempt.name) ?? [];
    list.push(attempt);
    byName.set(attempt.name, list);
  }
  return [...byName.entries()].map(([name, list]) => {
    const last = list[list.length - 1];
    const acked = list.filter((a) => a.outcome === 'ok').at(-1);
    return { name, acked, unknown: last.outcome === 'ok' ? undefined : last };
  });
}

type Post = (query: string, variables?: Record<string, unknown>) => Promise<any>;

interface StoredSecret {
  name: string;
  version: number;
  values: Record<string, string>;
}

interface StoredEvent {
  id: string;
  action: string;
  outcome: string;
  target: { name?: string };
  valueFingerprints: Record<string, string> | null;
}

/** Every secret (name, version, values) read back through GraphQL. */
export async function readAllSecrets(post: Post): Promise<Map<string, StoredSecret>> {
  const out = new Map<string, StoredSecret>();
  let after: string | null = null;
  for (;;) {
    const data = await post(
      `query($after: String) { secrets(first: 200, after: $after) { nodes { name version values } pageInfo { endCursor hasNextPage } } }`,
      { after },
    );
    for (const node of data.secrets.nodes) out.set(node.name, node);
    if (!data.secrets.pageInfo.hasNextPage) return out;
    after = data.secrets.pageInfo.endCursor;
  }
}

/** Every secret.create / secret.update event, oldest first. */
export async function readWriteEvents(post: Post): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const data = await post(
      `query($after: String) {
        auditEvents(first: 500, after: $after, filter: { actions: ["secret.create", "secret.update"] }) {
          nodes { id action outcome target valueFingerprints } pageInfo { endCursor hasNextPage }
        }
      }`,
      { after },
    );
    out.push(...data.auditEvents.nodes);
    if (!data.auditEvents.pageInfo.hasNextPage) return out;
    after = data.auditEvents.pageInfo.endCursor;
  }
}

/**
 * Checks, through GraphQL, that every acknowledged write is there (version and values), that
 * each secret is at one of the states it may be in (never half-written), that the audit log has
 * one event per write it holds with the fingerprint of the stored value, and that the chain verifies.
 * Returns how many secrets were checked.
 */
export async function expectWritesDurable(
  post: Post,
  attempts: WriteAttempt[],
  hmacKey: string,
): Promise<number> {
  // A write whose chainer run failed (the outage) committed its event as pending: the relay
  // chains it within a second or two. Only what is still wrong after that fails the test.
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await checkWritesDurable(post, attempts, hmacKey);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function checkWritesDurable(post: Post, attempts: WriteAttempt[], hmacKey: string): Promise<number> {
  const expected = expectedSecrets(attempts);
  const stored = await readAllSecrets(post);
  const events = await readWriteEvents(post);
  const eventsByName = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const name = event.target.name ?? '';
    eventsByName.set(name, [...(eventsByName.get(name) ?? []), event]);
  }
  const fingerprint = (value: string) => createHmac('sha256', hmacKey).update(value, 'utf8').digest('hex');
  let checked = 0;
  for (const secret of expected) {
    const now = stored.get(secret.name);
    const allowed = [secret.acked, secret.unknown].filter((a): a is WriteAttempt => a !== undefined);
    if (!now) {
      // Absent: only if no write to it was ever acknowledged (its create's outcome was unknown).
      expect(secret.acked, `acknowledged secret ${secret.name} is missing`).toBeUndefined();
      expect(eventsByName.get(secret.name) ?? [], `audit events of absent ${secret.name}`).toEqual([]);
      continue;
    }
    const state = allowed.find((a) => a.version === now.version);
    expect(
      state,
      `${secret.name} at version ${now.version}; acknowledged ${secret.acked?.version}`,
    ).toBeDefined();
    expect(now.values, `values of ${secret.name} v${now.version}`).toEqual(state!.values);
    const own = (eventsByName.get(secret.name) ?? []).filter((e) => e.outcome === 'SUCCESS');
    expect(
      own.map((e) => e.action),
      `audit events of ${secret.name}`,
    ).toEqual(['secret.create', ...Array.from({ length: now.version - 1 }, () => 'secret.update')]);
    expect(own.at(-1)!.valueFingerprints?.a, `fingerprint of ${secret.name}`).toBe(fingerprint(now.values.a));
    checked += 1;
  }
  const report = await post('{ verifyAuditChain { ok checked firstBrokenId } }');
  expect(report.verifyAuditChain).toMatchObject({ ok: true, firstBrokenId: null });
  return checked;
}
