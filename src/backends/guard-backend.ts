import { BackendUnavailableError } from '../errors.js';
import type { SecretBackend } from './backend.js';
import { backendFailure, unreachableMessage } from './backend-failure.js';
import { withCallDeadline } from './throttle-retry.js';
import { wrapBackendCalls } from './wrap-backend-calls.js';

export interface GuardOptions {
  /** Back-end name used in error messages (`aws`, `gcp`, `azure`, `hashicorp`, `custom` …). */
  kind: string;
  /** Upper bound of every call, in milliseconds. */
  timeoutMs: number;
}

/**
 * Wraps a back-end so every call it has (wrapBackendCalls: none is left out, close passes as is)
 * ends within `timeoutMs` and fails only with AppErrors (backendFailure): BACKEND_UNAVAILABLE
 * "could not reach the <kind> back-end" when it is down, unreachable, too slow or not speaking its
 * protocol, BACKEND_ERROR in our words for any other back-end failure (nothing the back-end said
 * is passed on); AppErrors of the adapter pass through.
 */
export function guardBackend(backend: SecretBackend, options: GuardOptions): SecretBackend {
  function guarded<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new BackendUnavailableError(unreachableMessage(options.kind)));
      }, options.timeoutMs);
      let pending: Promise<T>;
      try {
        // Throttled calls inside are retried only until this call's own deadline (throttle-retry.ts).
        pending = withCallDeadline(Date.now() + options.timeoutMs, call);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(backendFailure(error, options.kind));
        },
      );
    });
  }

  return wrapBackendCalls(backend, (_operation, call) => guarded(call));
}
