import { type IpAddress, type IpRange, inRange, parseIp, parseRange } from './ip-address.js';

/**
 * Which hosts component and store endpoints may point at: public addresses, and what
 * SGW_ALLOWED_ENDPOINTS lists (host names, `host:port`, IP addresses and CIDRs; `*` is all).
 * Pure: names are judged as written, addresses as given (a resolver's answer at connection time).
 */
export interface EndpointPolicy {
  /**
   * Why an endpoint at `host` (a name or an IP literal) and `port` is refused, in words that
   * name the host as given; undefined when it may be used. A name that is not listed passes here
   * (it is judged again on its resolved address at connection time), except names of this machine
   * and of cloud metadata services, judged as their addresses.
   */
  hostProblem(host: string, port: number): string | undefined;
  /** Whether the gateway may connect to `address`, which `host` resolved to (or is), at `port`. */
  allowsConnection(host: string, address: string, port: number): boolean;
}

/** An allowed address block, for one port or all. */
interface AllowedRange extends IpRange {
  port?: number;
}

/** What SGW_ALLOWED_ENDPOINTS allows, parsed. */
interface Allowances {
  everything: boolean;
  /** Host names (lower case, no trailing dot) → the ports allowed, or undefined for every port. */
  names: Map<string, Set<number> | undefined>;
  ranges: AllowedRange[];
}

/** An entry of SGW_ALLOWED_ENDPOINTS that is no host, host:port, IP address or CIDR. */
export class EndpointEntryError extends Error {}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Blocks refused unless allowed, with what they are; the first match names the address. */
const SPECIAL: Array<[string, string]> = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.169.254/32', 'cloud metadata'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
  ['100::/64', 'reserved'],
  ['2001::/32', 'reserved (Teredo)'],
  ['64:ff9b:1::/48', 'reserved'],
];
const SPECIAL_RANGES = SPECIAL.map(([cidr, kind]) => ({ range: parseRange(cidr) as IpRange, kind }));

/** Names that stand for an address whatever DNS says: this machine, cloud metadata services. */
const NAMED_ADDRESSES: Array<[RegExp, string]> = [
  [/^(.*\.)?localhost$/, '127.0.0.1'],
  [/^(metadata|metadata\.google\.internal|metadata\.goog)$/, '169.254.169.254'],
];

const normalName = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');

function parsePort(text: string, entry: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new EndpointEntryError(`"${entry}": the port must be 1-65535`);
  return port;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address: host and port (if any). */
function splitHostPort(entry: string): { host: string; port?: number } {
  if (parseIp(entry)) return { host: entry };
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(entry);
  if (!match) throw new EndpointEntryError(`"${entry}" is not a host, host:port, IP address or CIDR`);
  return { host: match[1], port: match[2] === undefined ? undefined : parsePort(match[2], entry) };
}

function addEntry(allowances: Allowances, entry: string): void {
  if (entry === '*') {
    allowances.everything = true;
    return;
  }
  if (entry.includes('/')) {
    const range = parseRange(entry);
    if (!range)
      throw new EndpointEntryError(
        `"${entry}" is not a host, host:port, IP address or CIDR (address/prefix)`,
      );
    allowances.ranges.push(range);
    return;
  }
  const { host, port } = splitHostPort(entry);
  const address = parseIp(host);
  if (address) {
    allowances.ranges.push({
      family: address.family,
      base: address.value,
      prefix: address.family === 4 ? 32 : 128,
      port,
    });
    return;
  }
  const name = normalName(host);
  if (!HOST_NAME.test(name))
    throw new EndpointEntryError(`"${entry}" is not a host, host:port, IP address or CIDR`);
  const ports = allowances.names.get(name);
  if (allowances.names.has(name) && ports === undefined) return;
  if (port === undefined) allowances.names.set(name, undefined);
  else allowances.names.set(name, new Set([...(ports ?? []), port]));
}

/** Parses SGW_ALLOWED_ENDPOINTS entries; throws EndpointEntryError naming the first bad one. */
function parseAllowances(entries: string[]): Allowances {
  const allowances: Allowances = { everything: false, names: new Map(), ranges: [] };
  for (const entry of entries) addEntry(allowances, entry.trim());
  return allowances;
}

/** Why the list is refused (its first bad entry), or undefined; for the config check. */
export function allowedEndpointsProblem(entries: string[]): string | undefined {
  try {
    parseAllowances(entries);
    return undefined;
  } catch (error) {
    if (error instanceof EndpointEntryError) return error.message;
    throw error;
  }
}

function nameListed(allowances: Allowances, host: string, port: number): boolean {
  const name = normalName(host);
  if (!allowances.names.has(name)) return false;
  const ports = allowances.names.get(name);
  return ports === undefined || ports.has(port);
}

/** What kind of refused address this is, or undefined when it is public or allowed. */
function refusedKind(allowances: Allowances, address: IpAddress, port: number): string | undefined {
  if (allowances.ranges.some((range) => inRange(address, range) && (range.port ?? port) === port))
    return undefined;
  return SPECIAL_RANGES.find(({ range }) => inRange(address, range))?.kind;
}

const advice = 'list it in SGW_ALLOWED_ENDPOINTS to allow it';

/**
 * The policy for SGW_ALLOWED_ENDPOINTS `entries`; undefined (the variable unset) is loopback
 * only when `embedded` (no DATABASE_URL), else nothing but public addresses. Throws
 * EndpointEntryError for a bad entry (loadConfig has refused those already).
 */
export function createEndpointPolicy(entries: string[] | undefined, embedded: boolean): EndpointPolicy {
  const allowances = parseAllowances(entries ?? (embedded ? ['127.0.0.0/8', '::1/128'] : []));
  const addressKind = (host: string, address: IpAddress, port: number) =>
    allowances.everything || nameListed(allowances, host, port)
      ? undefined
      : refusedKind(allowances, address, port);
  return {
    hostProblem(host, port) {
      const literal = parseIp(host);
      const name = normalName(host);
      const named = NAMED_ADDRESSES.find(([pattern]) => pattern.test(name))?.[1];
      const address = literal ?? (named === undefined ? undefined : parseIp(named));
      const kind = address && addressKind(host, address, port);
      if (!kind) return undefined;
      const what = literal ? `a ${kind} address` : `a name of a ${kind} address`;
      return `points at ${host}, ${what}; ${advice}`;
    },
    allowsConnection(host, address, port) {
      const parsed = parseIp(address);
      return parsed !== undefined && addressKind(host, parsed, port) === undefined;
    },
  };
}

/** The gateway's policy: SGW_ALLOWED_ENDPOINTS, its default depending on DATABASE_URL. */
export function endpointPolicyOf(config: {
  allowedEndpoints: string[] | undefined;
  databaseUrl: string | undefined;
}): EndpointPolicy {
  return createEndpointPolicy(config.allowedEndpoints, !config.databaseUrl);
}
