/**
 * Signature Version 4 checking for the AWS fake, the way AWS does it: parse the Authorization
 * header, rebuild the canonical request and the string to sign from the request as received,
 * derive the signing key from the secret of the access key id, and compare. A request that does
 * not check out is refused with the AwsError (type, message, status) AWS answers with.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from './aws-fake-error.js';

/** Credentials the fake accepts; session credentials also need their token, until they expire. */
export interface AwsFakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Session credentials (as STS issues them): every request must carry this `x-amz-security-token`. */
  sessionToken?: string;
  /** When session credentials stop working. */
  expiration?: Date;
}

/** The pair a fake accepts when it is given no credentials. */
export const DEFAULT_AWS_FAKE_CREDENTIALS: Readonly<AwsFakeCredentials> = Object.freeze({
  accessKeyId: 'AKIDFAKE',
  secretAccessKey: 'fake-secret',
});

/** What the verifier reads of a received request. */
export interface ReceivedRequest {
  method: string;
  /** Path and query string as received (Node's `req.url`). */
  url: string;
  /** Node's `rawHeaders`: name, value, name, value … */
  rawHeaders: string[];
  body: Buffer;
}

/** Who signed a request that checks out, and the region of its credential scope. */
export interface SigV4Signer {
  accessKeyId: string;
  region: string;
}

interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const MAX_SKEW_MS = 15 * 60_000;
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS ' +
  'Secret Access Key and signing method. Consult the service documentation for details.';

const incomplete = (message: string) => new AwsError('IncompleteSignatureException', message);
const badSignature = (message: string) => new AwsError('InvalidSignatureException', message, 403);

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
const escapeUri = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
function parseAuthorization(header: string | undefined): Authorization {
  if (!header) throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'`);
  const fields = new Map<string, string>();
  for (const part of rest.join(' ').split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  }
  const scope = (fields.get('Credential') as string).split('/');
  if (scope.length !== 5 || scope.some((part) => part === '')) {
    throw incomplete(
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term',
    );
  }
  const [accessKeyId, date, region, service, terminator] = scope;
  if (terminator !== TERMINATOR) {
    throw badSignature(
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`,
    );
  }
  const signedHeaders = (fields.get('SignedHeaders') as string).split(';');
  if (!signedHeaders.includes('host')) {
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return { accessKeyId, date, region, service, signedHeaders, signature: fields.get('Signature') as string };
}

/** Values of one header (lower-case name) as received, each trimmed with inner runs of spaces collapsed. */
function headerValues(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name) values.push(rawHeaders[i + 1].replace(/\s+/g, ' ').trim());
  }
  return values;
}

const headerOf = (request: ReceivedRequest, name: string): string | undefined =>
  headerValues(request.rawHeaders, name)[0];

/**
 * The path as received with `.` and `..` resolved and each segment URI-encoded once more: non-S3
 * services sign the path encoded twice, and it arrives encoded once.
 */
function canonicalPath(pathname: string): string {
  const segments: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(escapeUri(segment));
  }
  const trailing = segments.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** Query parameters, each name and value URI-encoded, sorted by name then value. */
function canonicalQuery(search: string): string {
  const pairs = search
    .replace(/^\?/, '')
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const equals = part.indexOf('=');
      const [name, value] = equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
      return [escapeUri(decodeURIComponent(name)), escapeUri(decodeURIComponent(value))];
    });
  pairs.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** The hash of the body; a sent `x-amz-content-sha256` must be that hash. */
function payloadHash(request: ReceivedRequest): string {
  const computed = sha256Hex(request.body);
  const claimed = headerOf(request, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed !== computed) {
    throw new AwsError(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  return computed;
}

/** The canonical request AWS rebuilds from what it received. */
function canonicalRequest(request: ReceivedRequest, auth: Authorization): string {
  const url = new URL(request.url, 'http://aws.fake');
  const headers = auth.signedHeaders.map(
    (name) => `${name}:${headerValues(request.rawHeaders, name).join(',')}\n`,
  );
  return [
    request.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.search),
    headers.join(''),
    auth.signedHeaders.join(';'),
    payloadHash(request),
  ].join('\n');
}

/** `x-amz-date` (YYYYMMDD'T'HHMMSS'Z'): it must match the credential scope and be within 15 minutes of now. */
function checkRequestTime(request: ReceivedRequest, auth: Authorization, now: number): string {
  const amzDate = headerOf(request, 'x-amz-date');
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
  if (!amzDate || !parts) throw incomplete("Authorization header requires existence of 'X-Amz-Date' header.");
  if (amzDate.slice(0, 8) !== auth.date) {
    throw badSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  const [, year, month, day, hours, minutes, seconds] = parts.map(Number);
  const signedAt = Date.UTC(year, month - 1, day, hours, minutes, seconds);
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    throw badSignature(`Signature expired: ${amzDate} is now earlier than the allowed 15 minutes.`);
  }
  return amzDate;
}

/** The access key's credentials, refused when unknown, with the wrong session token, or expired. */
function knownCredentials(
  request: ReceivedRequest,
  auth: Authorization,
  accepted: ReadonlyMap<string, AwsFakeCredentials>,
  now: number,
): AwsFakeCredentials {
  const credentials = accepted.get(auth.accessKeyId);
  if (!credentials) throw new AwsError('UnrecognizedClientException', INVALID_TOKEN);
  if (headerOf(request, 'x-amz-security-token') !== credentials.sessionToken) {
    throw new AwsError('UnrecognizedClientException', INVALID_TOKEN);
  }
  if (credentials.expiration && credentials.expiration.getTime() <= now) {
    throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired');
  }
  return credentials;
}

/**
 * Checks the SigV4 signature of a request for `service` against the `accepted` credentials (by
 * access key id). Resolves to the signer; throws an AwsError when AWS would refuse the request.
 */
export function verifySigV4(
  request: ReceivedRequest,
  service: string,
  accepted: ReadonlyMap<string, AwsFakeCredentials>,
  now = Date.now(),
): SigV4Signer {
  const auth = parseAuthorization(headerOf(request, 'authorization'));
  if (auth.service !== service)
    throw badSignature(`Credential should be scoped to correct service: '${service}'.`);
  const amzDate = checkRequestTime(request, auth, now);
  const credentials = knownCredentials(request, auth, accepted, now);
  const scope = `${auth.date}/${auth.region}/${auth.service}/${TERMINATOR}`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest(request, auth))].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, auth.date);
  for (const part of [auth.region, auth.service, TERMINATOR]) key = hmac(key, part);
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
  const given = Buffer.from(auth.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw badSignature(SIGNATURE_MISMATCH);
  }
  return { accessKeyId: auth.accessKeyId, region: auth.region };
}
