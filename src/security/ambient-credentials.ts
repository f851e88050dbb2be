import { BadUserInputError } from '../errors.js';

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** A host name or literal of this machine (local emulators), IPv6 bracketed or not. */
export const isLoopbackHost = (host: string) => LOOPBACK_HOST.test(host);

/**
 * The gateway's own (ambient) credentials — environment, profile, instance or workload identity —
 * are sent only to the cloud's own hosts or to this machine (local emulators), never to an
 * endpoint a component names elsewhere: such a component must bring its own credentials.
 * Throws BadUserInputError naming `field` otherwise.
 */
export function requireOwnCredentialsFor(
  endpointHost: string | undefined,
  cloudHosts: RegExp,
  field: string,
  credentialFields: string,
): void {
  if (!endpointHost) return;
  const host = endpointHost.toLowerCase();
  if (cloudHosts.test(host) || isLoopbackHost(host)) return;
  throw new BadUserInputError(
    `${field} points outside the cloud's own endpoints: give the component's own ${credentialFields}; the gateway's own credentials are never sent there`,
    [{ path: field, message: `needs ${credentialFields}` }],
  );
}
