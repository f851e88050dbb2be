import { describe, expect, it } from 'vitest';
import { backendThat } from '../../test/helpers/backend-that.js';
import { caught } from '../../test/helpers/caught.js';
import { BackendError, BackendUnavailableError, NotFoundError } from '../errors.js';
import type { SecretBackend } from './backend.js';
import { scrubBackendMessage } from './backend-failure.js';
import { guardBackend } from './guard-backend.js';

const never = () => new Promise<never>(() => {});
const failWith = (error: unknown) => () => Promise.reject(error);

function errnoError(code: string, message = `connect ${code} 127.0.0.1:1`): Error {
  return Object.assign(new Error(message), { code });
}

describe('guardBackend: bounded time', () => {
  it('turns a call that does not answer into BACKEND_UNAVAILABLE naming the back-end', async () => {
    const guarded = guardBackend(backendThat(never), { kind: 'aws', timeoutMs: 50 });
    const started = Date.now();
    const error = await caught(guarded.get('x'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toBe('could not reach the aws back-end');
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
    ['a TLS failure', errnoError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate')],
    ['a server that speaks no HTTP', errnoError('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/')],
    ['the endpoint policy', errnoError('SGW_ENDPOINT_REFUSED', 'x resolves to an address …')],
  ];
  it.each(cases)('maps %s to BACKEND_UNAVAILABLE', async (_label, failure) => {
    const guarded = guardBackend(backendThat(failWith(failure)), { kind: 'gcp', timeoutMs: 1000 });
    const error = await caught(guarded.create({ name: 'x', values: {}, metadata: {} }));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    // One message for every way of not reaching it: no port scanner.
    expect(error.message).toBe('could not reach the gcp back-end');
  });
});

describe('guardBackend: other errors', () => {
  it('lets AppErrors of the adapter through unchanged', async () => {
    const original = new NotFoundError('Secret entry "x" not found');
    const guarded = guardBackend(backendThat(failWith(original)), { kind: 'aws', timeoutMs: 1000 });
    await expect(guarded.update({ name: 'x', values: {}, metadata: {} })).rejects.toBe(original);
  });

  it('turns an SDK error into BACKEND_ERROR with its known name and status, in our words', async () => {
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
      'aws back-end error (ValidationException HTTP 400): the back-end refused the request',
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('request body');
  });

  it('names gRPC statuses and repeats none of the details', async () => {
    const grpcError = Object.assign(new Error('7 PERMISSION_DENIED: denied'), {
      code: 7,
      details: 'token s3cr3t-token is not allowed',
      metadata: {},
    });
    const guarded = guardBackend(backendThat(failWith(grpcError)), {
      kind: 'gcp',
      timeoutMs: 1000,
    });
    const error = await caught(guarded.delete('x'));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe(
      'gcp back-end error (PERMISSION_DENIED): the back-end refused the gateway’s credentials or permissions',
    );
  });

  it('repeats no name or body a back-end made up', async () => {
    const body = Object.assign(new Error('<html>canary-body-7f3a</html>'), {
      name: 'CanaryName7f3a',
      code: 'CanaryCode7f3a',
      $metadata: { httpStatusCode: 500 },
    });
    const guarded = guardBackend(backendThat(failWith(body)), { kind: 'azure', timeoutMs: 1000 });
    const error = await caught(guarded.list({}));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe('azure back-end error (HTTP 500): the back-end failed to handle the request');
  });

  it('handles values that are not errors', async () => {
    const guarded = guardBackend(backendThat(failWith('plain text')), { kind: 'custom', timeoutMs: 1000 });
    const error = await caught(guarded.get('x'));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toBe('custom back-end error: the back-end’s answer could not be used');
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
