import { AppError } from '../errors.js';
import type { SecretBackend } from './backend.js';
import { observingThrottles } from './throttle-retry.js';
import { type BackendOperation, wrapBackendCalls } from './wrap-backend-calls.js';

/** Back-end flavors as metrics name them (the `hashicorp` store is `vault`). */
export const BACKEND_FLAVORS = ['aws', 'gcp', 'azure', 'vault', 'local', 'sql', 'custom'] as const;
export type BackendFlavor = (typeof BACKEND_FLAVORS)[number];

/** One settled back-end call: how long it took and, when it failed, the error code. */
export interface BackendCall {
  flavor: BackendFlavor;
  operation: BackendOperation;
  seconds: number;
  /** Undefined on success; the AppError code, or INTERNAL_SERVER_ERROR for anything else. */
  failure: string | undefined;
  /** Throttled answers the back-end gave during the call (retried or not; throttle-retry.ts). */
  throttled?: number;
}

/** Receives every observed call (in memory: it must not do I/O). */
export type BackendCallRecorder = (call: BackendCall) => void;

/** The flavor of a secrets manager flavor or a store kind; anything unknown is `custom`. */
export function backendFlavor(kind: string): BackendFlavor {
  if (kind === 'hashicorp') return 'vault';
  return (BACKEND_FLAVORS as readonly string[]).includes(kind) ? (kind as BackendFlavor) : 'custom';
}

/**
 * Wraps a back-end so every call is reported to `record` once it settles, with its duration,
 * failure code and the throttled answers met on the way; results and errors pass through unchanged. Wrap a guarded back-end from the
 * outside, so timeouts and the mapped codes (BACKEND_UNAVAILABLE, BACKEND_ERROR) are what is seen.
 */
export function observeBackend(
  backend: SecretBackend,
  flavor: BackendFlavor,
  record: BackendCallRecorder,
): SecretBackend {
  function observed<T>(operation: BackendOperation, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let throttled = 0;
    const settle = (failure: string | undefined) =>
      record({ flavor, operation, seconds: (performance.now() - started) / 1000, failure, throttled });
    let pending: Promise<T>;
    try {
      pending = observingThrottles(() => throttled++, call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        settle(undefined);
        return value;
      },
      (error: unknown) => {
        settle(error instanceof AppError ? error.code : 'INTERNAL_SERVER_ERROR');
        throw error;
      },
    );
  }

  return wrapBackendCalls(backend, observed);
}
