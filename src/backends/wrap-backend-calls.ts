import type { SecretBackend } from './backend.js';

/** The calls of a SecretBackend: every method but `close`. */
export type BackendOperation = Exclude<keyof SecretBackend, 'kind' | 'close'>;

/**
 * Every call of SecretBackend, as a Record over its methods: a method added to SecretBackend does
 * not compile until it is listed here, so no wrapper built on wrapBackendCalls can drop it.
 */
const OPERATIONS: Record<BackendOperation, true> = {
  create: true,
  createMany: true,
  get: true,
  getValues: true,
  update: true,
  delete: true,
  list: true,
  createVersioned: true,
  putVersion: true,
  getVersion: true,
  getVersionValues: true,
  currentVersionId: true,
  restoreVersion: true,
  destroyVersions: true,
  updateKeeping: true,
  getKeptVersion: true,
  dropKeptVersions: true,
};

/** The names of every SecretBackend call. */
const BACKEND_OPERATIONS = Object.keys(OPERATIONS) as BackendOperation[];

/** Runs one call of a wrapped back-end (`call` invokes the inner method with the caller's arguments). */
export type AroundCall = <T>(operation: BackendOperation, call: () => Promise<T>) => Promise<T>;

type AnyCall = (...args: unknown[]) => Promise<unknown>;

/**
 * A back-end with the same kind whose every call present on `backend` (optional ones such as
 * createMany and getValues only when it has them) runs through `around`; `close` passes through
 * as it is. The inner method is looked up when called, and called on `backend`.
 */
export function wrapBackendCalls(backend: SecretBackend, around: AroundCall): SecretBackend {
  const inner = backend as unknown as Record<BackendOperation, AnyCall | undefined>;
  const wrapped: Record<string, unknown> = { kind: backend.kind };
  for (const operation of BACKEND_OPERATIONS) {
    if (typeof inner[operation] !== 'function') continue;
    wrapped[operation] = (...args: unknown[]) =>
      around(operation, () => (inner[operation] as AnyCall).apply(backend, args));
  }
  if (backend.close) wrapped.close = () => backend.close?.() ?? Promise.resolve();
  return wrapped as unknown as SecretBackend;
}
