import { isIPv4, isIPv6 } from 'node:net';

/** The key of requests whose client address is unknown (no socket: an in-process call). */
export const UNKNOWN_CLIENT = 'unknown';

/** The first four groups of an IPv6 address, as hexadecimal numbers. */
function ipv6Prefix64(address: string): string {
  const [head, tail] = address.split('::');
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : []);
  const headGroups = groupsOf(head);
  // A dotted IPv4 tail is the last two groups: never part of the /64.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? 0 : 8 - width(headGroups) - width(groupsOf(tail));
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...groupsOf(tail)];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * The key failed authentications are counted under: an IPv4 address (also when mapped into
 * IPv6), or the /64 an IPv6 address belongs to (one host usually holds a whole /64).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return UNKNOWN_CLIENT;
  const bare = address.split('%')[0];
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1];
  if (isIPv4(bare)) return bare;
  if (isIPv6(bare)) return ipv6Prefix64(bare.toLowerCase());
  return UNKNOWN_CLIENT;
}
