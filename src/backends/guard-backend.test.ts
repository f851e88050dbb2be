import { describe, expect, it } from 'vitest';
import { backendThat } from '../../test/helpers/backend-that.js';
import { caught } from '../../test/helpers/caught.js';
import { BackendError, BackendUnavailableError, NotFoundError } from '../errors.js';
import type { SecretBackend } from './backend.js';
import { guardBackend, scrubBackendMessage } from './guard-backend.js';

const never = () => new Promise<never>(() => {});
const failWith = (error: unknown) => () => Promise.reject(error);

function errnoError(code: string, message = `connect ${code} 127.0.0.1:1`): Error {
  return Object.assign(new Error(message), { code });
}

describe('guardBackend: bounded time', () => {
  it('turns a call that does not answer into BACKEND_UNAVAILABLE naming the back-end and the bound', async () => {
    const guarded = guardBackend(backendThat(never), { kind: 'aws', timeoutMs: 50 });
    const started = Date.now();
    const error = await caught(guarded.get('x'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toBe('aws back-end did not answer within 50ms');
  });

  it('passes results and keeps the kind of the wrapped back-end', async () => {
    const entry = { name: 'a', values: { k: 'v' }, metadata: {} };
    const guarded = guardBackend(
      backendThat(async () => entry),
      { kind: 'gcp', timeoutMs: 1000 },
    );
    expect(guarded.kind).toBe('test');
    await expect(guarded.get('a')).resolves.toEqual(entry);
    await expect(guarded.list({})).resolves.toEqual({ entries: [] });
  });

  it('turns a synchronous throw into a rejection', async () => {
    const backend = backendThat(async () => undefined);
    backend.get = () => {
      throw errnoError('ECONNREFUSED');
    };
    const error = await caught(guardBackend(backend, { kind: 'vault', timeoutMs: 100 }).get('x'));
    expect(error).toBeInstanceOf(BackendUnavailableError);
  });
});

describe('guardBackend: every call of the inner back-end', () => {
  it('forwards createMany and getValues of the inner back-end, bounded and mapped like the others', async () => {
    const written: unknown[] = [];
    const inner: SecretBackend = {
      ...backendThat(async () => undefined),
      async createMany(entries) {
        written.push(...entries);
      },
      async getValues(names) {
        return new Map(names.map((name) => [name, { k: name }]));
      },
    };
    const guarded = guardBackend(inner, { kind: 'custom', timeoutMs: 1000 });
    const entry = { name: 'a', values: { k: 'v' }, metadata: {} };
    await guarded.createMany?.([entry]);
    expect(written).toEqual([entry]);
    await expect(guarded.getValues?.(['x', 'y'])).resolves.toEqual(
      new Map([
        ['x', { k: 'x' }],
        ['y', { k: 'y' }],
      ]),
    );
    inner.createMany = never;
    const slow = guardBackend(inner, { kind: 'custom', timeoutMs: 50 });
    const error = await caught(slow.createMany?.([entry]) ?? Promise.resolve());
    expect(error).toBeInstanceOf(BackendUnavailableError);
  });

  it('leaves out the optional calls the inner back-end lacks, and passes close through', async () => {
    let closed = false;
    const inner: SecretBackend = {
      ...backendThat(async () => undefined),
      close: async () => {
        closed = true;
      },
    };
    const guarded = guardBackend(inner, { kind: 'aws', timeoutMs: 1000 });
    expect(guarded.createMany).toBeUndefined();
    expect(guarded.getValues).toBeUndefined();
    await guarded.close?.();
    expect(closed).toBe(true);
  });
});

describe('guardBackend: unreachable back-ends', () => {
  const cases: Array<[string, unknown]> = [
    ['connection refused', errnoError('ECONNREFUSED')],
    ['connection reset', errnoError('ECONNRESET', 'read ECONNRESET')],
    ['DNS failure', errnoError('ENOTFOUND', 'getaddrinfo ENOTFOUND vault.example')],
    [
      'refused inside a cause',
      Object.assign(new TypeError('fetch failed'), { cause: errnoError('ECONNREFUSED') }),
    ],
    [
      'refused inside an AggregateError',
      new AggregateError([errnoError('ECONNREFUSED')], 'all attempts failed'),
    ],
    [
      'gRPC UNAVAILABLE',
      Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
        code: 14,
        details: 'x',
        metadata: {},
      }),
    ],
    [
      'gRPC DEADLINE_EXCEEDED',
      Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4, details: 'Deadline exceeded' }),
    ],
    ['an aborted request', Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })],
    ['HTTP 503', Object.assign(new Error('Vault is sealed'), { response: { statusCode: 503 } })],
  ];
  it.each(cases)('maps %s to BACKEND_UNAVAILABLE', async (_label, failure) => {
    const guarded = guardBackend(backendThat(failWith(failure)), { kind: 'gcp', timeoutMs: 1000 });
    const error = await caught(guarded.create({ name: 'x', values: {}, metadata: {} }));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toMatch(/^gcp back-end is unavailable \(.+\)$/);
  });
});

describe('guardBackend: other errors', () => {
  it('lets AppErrors of the adapter through unchanged', async () => {
    const original = new NotFoundError('Secret entry "x" not found');
    const guarded = guardBackend(backendThat(failWith(original)), { kind: 'aws', timeoutMs: 1000 });
    await expect(guarded.update({ name: 'x', values: {}, metadata: {} })).rejects.toBe(original);
  });

  it('turns an SDK error into BACKEND_ERROR with its name and a scrubbed message', async () => {
    const sdkError = Object.assign(
      new Error(
        "1 validation error detected: Value 'hunter2' at 'tags.1.member.value' failed\nrequest body: {...}",
      ),
      { name: 'ValidationException', $metadata: { httpStatusCode: 400 } },
    );
    const guarded = guardBackend(backendThat(failWith(sdkError)), { kind: 'aws', timeoutMs: 1000 });
    const error = await caught(guarded.get('x'));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe(
      'aws back-end error (ValidationException HTTP 400): 1 validation error detected: Value [redacted] at [redacted] failed',
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('request body');
  });

  it('names gRPC statuses and removes configured credentials', async () => {
    const grpcError = Object.assign(new Error('7 PERMISSION_DENIED: denied'), {
      code: 7,
      details: 'token s3cr3t-token is not allowed',
      metadata: {},
    });
    const guarded = guardBackend(backendThat(failWith(grpcError)), {
      kind: 'gcp',
      timeoutMs: 1000,
      sensitive: ['s3cr3t-token', undefined],
    });
    const error = await caught(guarded.delete('x'));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe('gcp back-end error (PERMISSION_DENIED): token [redacted] is not allowed');
  });

  it('cuts long messages to 300 characters', async () => {
    const guarded = guardBackend(backendThat(failWith(new Error('x'.repeat(1000)))), {
      kind: 'azure',
      timeoutMs: 1000,
    });
    const error = await caught(guarded.list({}));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message.length).toBe(300);
  });

  it('handles values that are not errors', async () => {
    const guarded = guardBackend(backendThat(failWith('plain text')), { kind: 'custom', timeoutMs: 1000 });
    const error = await caught(guarded.get('x'));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe('custom back-end error (Error): plain text');
  });
});

describe('scrubBackendMessage', () => {
  it('redacts quoted text but reads an apostrophe as part of a word', () => {
    expect(scrubBackendMessage("Secrets Manager can't decrypt 'hunter2' with \"key\" `x`.")).toBe(
      "Secrets Manager can't decrypt [redacted] with [redacted] [redacted].",
    );
  });

  it('removes bearer tokens, URL queries and key=value credentials', () => {
    expect(
      scrubBackendMessage('GET https://v.example/secret?sig=abc failed with Bearer eyJabc token=xyz done'),
    ).toBe('GET https://v.example/secret failed with Bearer [redacted] token=[redacted] done');
  });
});
