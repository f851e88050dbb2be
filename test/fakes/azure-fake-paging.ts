/** `nextLink` paging of the Azure Key Vault fake's listings, with a `$skiptoken` as Key Vault's. */
import { badParameter } from './azure-fake-error.js';

const MAX_PAGE = 25;

export interface PageRequest {
  base: string;
  path: string;
  query: Record<string, string>;
}

function pageSizeOf(query: Record<string, string>): number {
  if (query.maxresults === undefined) return MAX_PAGE;
  const n = Number(query.maxresults);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw badParameter(
      `Invalid value for maxresults: ${query.maxresults}. It must be between 1 and ${MAX_PAGE}.`,
    );
  }
  return n;
}

function decodeSkipToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString()) as { NextMarker?: unknown };
    if (typeof decoded.NextMarker === 'string') return decoded.NextMarker;
  } catch {
    // fall through
  }
  throw badParameter('The $skiptoken is invalid.');
}

/** Returns `{value, nextLink}` for items already sorted by `keyOf`. */
export function page<T>(
  items: T[],
  keyOf: (item: T) => string,
  toItem: (item: T) => unknown,
  req: PageRequest,
) {
  const size = pageSizeOf(req.query);
  const after = decodeSkipToken(req.query.$skiptoken);
  const from = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  const start = from === -1 ? items.length : from;
  const slice = items.slice(start, start + size);
  let nextLink: string | null = null;
  if (start + size < items.length) {
    const token = Buffer.from(JSON.stringify({ NextMarker: keyOf(slice[slice.length - 1]) })).toString(
      'base64url',
    );
    const params = new URLSearchParams({ 'api-version': req.query['api-version'], $skiptoken: token });
    if (req.query.maxresults !== undefined) params.set('maxresults', req.query.maxresults);
    nextLink = `${req.base}${req.path}?${params.toString()}`;
  }
  return { value: slice.map(toItem), nextLink };
}

export function sortByKey<T>(entries: Array<[string, T]>): Array<[string, T]> {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
