import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Where yoga's context finds the Node request: `req` over HTTP, `extra.request` over graphql-ws. */
export interface ServerContextWithRequest {
  req?: IncomingMessage;
  extra?: { request?: IncomingMessage };
}

/** `SGW_TRUSTED_PROXIES` as a BlockList (entries already validated by the config). */
function trustedList(entries: string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const bare = mapped ? mapped[1] : address;
  const family = isIP(bare);
  return family !== 0 && list.check(bare, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client address of a request: the socket's remote address; when that is a trusted proxy
 * (`SGW_TRUSTED_PROXIES`), the last X-Forwarded-For entry that is not one. X-Forwarded-For from
 * anyone else is ignored (a client could name any address there). Undefined without a socket
 * (an in-process `yoga.fetch`).
 */
export function createClientAddress(trustedProxies: string[]) {
  const trusted = trustedList(trustedProxies);
  return (context: ServerContextWithRequest): string | undefined => {
    const request = context.req ?? context.extra?.request;
    const remote = request?.socket?.remoteAddress;
    if (!trusted || !remote || !isTrusted(trusted, remote)) return remote;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((hop) => hop.trim())
      .filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i -= 1) if (!isTrusted(trusted, hops[i])) return hops[i];
    return hops[0] ?? remote;
  };
}
