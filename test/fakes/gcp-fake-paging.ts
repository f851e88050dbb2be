/** Paging of the GCP Secret Manager fake: opaque page tokens bound to the filter they were made for. */
import { invalid } from './gcp-fake-wire.js';

const MAX_PAGE_SIZE = 25_000;

interface PageCursor {
  after: string;
  filter: string;
}

function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodePageToken(token: string | undefined, filter: string): PageCursor | undefined {
  if (!token) return undefined;
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString()) as PageCursor;
    if (typeof cursor.after === 'string' && cursor.filter === filter) return cursor;
  } catch {
    // fall through
  }
  throw invalid('Invalid page token.');
}

function pageSizeOf(requested: number | undefined, fallback: number): number {
  const size = requested ?? 0;
  if (size < 0) throw invalid('page_size must not be negative.');
  return Math.min(size === 0 ? fallback : size, MAX_PAGE_SIZE);
}

/** Slices `items` (sorted by `keyOf`) after the cursor; returns the page and the next token. */
export function paginate<T>(
  items: T[],
  keyOf: (item: T) => string,
  request: { pageSize?: number; pageToken?: string; filter?: string },
  fallbackSize: number,
): { page: T[]; nextPageToken: string } {
  const filter = request.filter ?? '';
  const cursor = decodePageToken(request.pageToken, filter);
  const size = pageSizeOf(request.pageSize, fallbackSize);
  const start = cursor ? items.findIndex((item) => keyOf(item) > cursor.after) : 0;
  const from = start === -1 ? items.length : start;
  const page = items.slice(from, from + size);
  const more = from + size < items.length;
  const nextPageToken = more ? encodePageToken({ after: keyOf(page[page.length - 1]), filter }) : '';
  return { page, nextPageToken };
}
