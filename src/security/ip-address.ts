import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR block. */
export interface IpRange {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** The eight groups of an IPv6 address in WHATWG's canonical form (lower-case hex, `::`). */
function ipv6Value(text: string): bigint {
  // The URL parser writes an embedded dotted IPv4 tail (::ffff:1.2.3.4) as hex groups.
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.includes('::') ? canonical.split('::') : [canonical, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/** Inside a range (same family). */
export function inRange(address: IpAddress, range: IpRange): boolean {
  if (address.family !== range.family) return false;
  const shift = BigInt(BITS[range.family] - range.prefix);
  return address.value >> shift === range.base >> shift;
}

/** Parses `a.b.c.d/n` or `v6/n` (the v6 part may be bracketed); undefined when it is neither. */
export function parseRange(text: string): IpRange | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = match ? parseIp(match[1], false) : undefined;
  if (!match || !address) return undefined;
  const prefix = Number(match[2]);
  if (prefix > BITS[address.family]) return undefined;
  return toIpv4Range({ family: address.family, base: address.value, prefix });
}

/** An IPv6 range inside ::ffff:0:0/96 as the IPv4 range it covers (addresses are compared so). */
function toIpv4Range(range: IpRange): IpRange {
  const mapped: IpRange = { family: 6, base: 0xffff_0000_0000n, prefix: 96 };
  if (range.family !== 6 || range.prefix < 96 || !inRange({ family: 6, value: range.base }, mapped))
    return range;
  return { family: 4, base: range.base & 0xffff_ffffn, prefix: range.prefix - 96 };
}

/** IPv6 blocks that carry an IPv4 address in their last 32 bits (mapped, compatible, NAT64). */
const LOW_32_CARRIERS: IpRange[] = [
  { family: 6, base: 0xffff_0000_0000n, prefix: 96 },
  { family: 6, base: 0n, prefix: 96 },
  { family: 6, base: 0x0064_ff9bn << 96n, prefix: 96 },
];
/** 6to4: 2002:AABB:CCDD::/48 carries AABBCCDD. */
const SIX_TO_FOUR: IpRange = { family: 6, base: 0x2002n << 112n, prefix: 16 };

/**
 * The IPv4 address an IPv6 address stands for (IPv4-mapped, IPv4-compatible, NAT64, 6to4), so
 * that it is judged as that address; `::` and `::1` stay themselves.
 */
function unwrapIpv4(address: IpAddress): IpAddress {
  if (address.family === 4 || address.value <= 1n) return address;
  if (LOW_32_CARRIERS.some((range) => inRange(address, range)))
    return { family: 4, value: address.value & 0xffff_ffffn };
  if (inRange(address, SIX_TO_FOUR)) return { family: 4, value: (address.value >> 80n) & 0xffff_ffffn };
  return address;
}

/**
 * An IP literal (`1.2.3.4`, `::1`, `[::1]`, `fe80::1%eth0`), IPv6 forms that carry an IPv4
 * address unwrapped to it (unless `unwrap` is false); undefined for anything else (a host name).
 */
export function parseIp(text: string, unwrap = true): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, value: ipv4Value(bare) };
  if (!isIPv6(bare)) return undefined;
  const address: IpAddress = { family: 6, value: ipv6Value(bare) };
  return unwrap ? unwrapIpv4(address) : address;
}
