import type { Plugin } from 'graphql-yoga';

/** The CORS answer for one request: its origin allowed, with what a browser client needs; or none. */
interface AllowedOrigin {
  origin: string;
  credentials: boolean;
  methods: string[];
  allowedHeaders: string[];
  maxAge: number;
}

/** An origin as browsers send it (`scheme://host[:port]`, lower case, no path); as given if not a URL. */
function normalizeOrigin(entry: string): string {
  if (entry === '*') return entry;
  try {
    return new URL(entry).origin;
  } catch {
    return entry;
  }
}

/**
 * yoga's `cors` option for `SGW_CORS_ORIGINS`: a request whose `Origin` is listed gets
 * `Access-Control-Allow-Origin: <that origin>` (with credentials allowed, and preflights
 * answered); `*` allows any origin, without credentials. Any other origin gets no CORS header at
 * all, so a browser keeps other pages from reading answers or sending authorized requests.
 * None listed (the default): no CORS header for anyone.
 */
export function corsPolicy(origins: string[]): false | ((request: Request) => AllowedOrigin | false) {
  if (origins.length === 0) return false;
  const allowed = new Set(origins.map(normalizeOrigin));
  const anyOrigin = allowed.has('*');
  return (request) => {
    const origin = request.headers.get('origin');
    if (!origin) return false;
    if (!allowed.has(origin) && !anyOrigin) return false;
    return {
      origin: allowed.has(origin) ? origin : '*',
      credentials: allowed.has(origin),
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', 'accept'],
      maxAge: 600,
    };
  };
}

/** Marks every answer as depending on `Origin` (CORS headers differ by origin), for caches. */
export function useVaryOnOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (!vary?.toLowerCase().includes('origin'))
        response.headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
    },
  };
}
