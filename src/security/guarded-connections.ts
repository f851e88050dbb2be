import { type LookupAddress, type LookupAllOptions, type LookupOptions, lookup } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EndpointPolicy } from './endpoint-policy.js';

/**
 * A connection the policy refused on the address it would go to. The message names nothing but
 * the configured host; guardBackend answers it as any other unreachable back-end.
 */
export class EndpointRefusedError extends Error {
  readonly code = 'SGW_ENDPOINT_REFUSED';
  constructor(host: string) {
    super(`${host} resolves to an address SGW_ALLOWED_ENDPOINTS does not allow`);
    this.name = 'EndpointRefusedError';
  }
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for sockets to `host`:`port` that resolves every address and fails with
 * EndpointRefusedError when the policy refuses any of them, so the socket connects only to an
 * address checked at that moment (no window for DNS rebinding).
 */
export function checkedLookup(policy: EndpointPolicy, port: number) {
  return (host: string, options: LookupOptions, callback: LookupCallback): void => {
    const all: LookupAllOptions = { ...options, all: true };
    lookup(host, all, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0 || addresses.some((a) => !policy.allowsConnection(host, a.address, port)))
        return callback(new EndpointRefusedError(host), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

type Created = (error: Error | null, stream: Duplex) => void;

/**
 * The connection options with the checked lookup; EndpointRefusedError instead for an IP literal
 * the policy refuses (no lookup is made for one).
 */
function guardedOptions<T extends http.ClientRequestArgs>(
  policy: EndpointPolicy,
  options: T,
  defaultPort: number,
) {
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = Number(options.port) || defaultPort;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) && !policy.allowsConnection(host, bare, port)) return new EndpointRefusedError(host);
  return { ...options, lookup: checkedLookup(policy, port) as LookupFunction };
}

/** Fails a connection the agent was asked for, as Node's agents expect (callback, no socket). */
function refuse(callback: Created | undefined, error: Error): undefined {
  process.nextTick(() => callback?.(error, undefined as unknown as Duplex));
  return undefined;
}

/** An http.Agent whose sockets connect only where the policy allows (checked per connection). */
class GuardedHttpAgent extends http.Agent {
  constructor(
    private readonly policy: EndpointPolicy,
    options?: http.AgentOptions,
  ) {
    super(options);
  }
  override createConnection(options: http.ClientRequestArgs, callback?: Created) {
    const guarded = guardedOptions(this.policy, options, 80);
    return guarded instanceof Error ? refuse(callback, guarded) : super.createConnection(guarded, callback);
  }
}

/** An https.Agent whose sockets connect only where the policy allows (checked per connection). */
class GuardedHttpsAgent extends https.Agent {
  constructor(
    private readonly policy: EndpointPolicy,
    options?: https.AgentOptions,
  ) {
    super(options);
  }
  override createConnection(options: https.RequestOptions, callback?: Created) {
    const guarded = guardedOptions(this.policy, options, 443);
    return guarded instanceof Error ? refuse(callback, guarded) : super.createConnection(guarded, callback);
  }
}

/** Agents for plain and TLS HTTP that connect only where the policy allows. */
export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
}

/** Guarded agents; `tls` options (a CA) go to the https one. */
export function guardedAgents(policy: EndpointPolicy, tls: https.AgentOptions = {}): GuardedAgents {
  return {
    http: new GuardedHttpAgent(policy, { keepAlive: true }),
    https: new GuardedHttpsAgent(policy, { keepAlive: true, ...tls }),
  };
}

/**
 * For clients whose connections can't be given a lookup (gRPC, google-auth-library): resolves
 * `host` and throws EndpointRefusedError when the policy refuses any of its addresses. The client
 * resolves again when it connects, so a DNS answer that changes in between (rebinding within
 * the record's lifetime) is not seen here; IP literals and listed names have no such window.
 */
export async function checkResolvedHost(policy: EndpointPolicy, host: string, port: number): Promise<void> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(bare) ? [{ address: bare }] : await lookupAll(bare, { all: true, verbatim: true });
  if (addresses.length === 0 || addresses.some((a) => !policy.allowsConnection(host, a.address, port)))
    throw new EndpointRefusedError(host);
}
