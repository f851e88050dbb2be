/**
 * A protocol-faithful fake of GCP Secret Manager (v1) served over gRPC on 127.0.0.1.
 *
 * The real `@google-cloud/secret-manager` client talks to it unchanged (insecure channel, no
 * Google auth). The service definition is loaded from the protos that the npm package ships, so
 * requests and responses are encoded exactly as on the wire to Google.
 *
 * Behaviour follows the public API reference: resource names, NOT_FOUND / ALREADY_EXISTS /
 * INVALID_ARGUMENT / FAILED_PRECONDITION statuses, label rules, payload limit, version numbering
 * with the `latest` alias, paging with opaque page tokens, and AIP-160 style list filters.
 * Known simplifications: project ids are echoed as given (Google answers with project numbers),
 * list results are sorted by name, IAM methods answer UNIMPLEMENTED.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Options shared by all local fakes. */
export interface FakeOptions {
  port?: number;
  host?: string;
  delayMs?: number;
}

/** State of one secret version as the fake stores it. */
export interface GcpSecretVersionState {
  version: number;
  /** Payload bytes; emptied when the version is destroyed. */
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: Date;
  destroyTime?: Date;
  clientSpecifiedPayloadChecksum: boolean;
  etag: string;
}

/** State of one secret as the fake stores it (inspect or edit freely in tests). */
export interface GcpSecretState {
  /** Full resource name, e.g. `projects/p/secrets/s`. */
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  versionAliases: Record<string, number>;
  replication: Record<string, unknown>;
  createTime: Date;
  etag: string;
  /** Versions in creation order; `versions[i].version === i + 1`. */
  versions: GcpSecretVersionState[];
}

/** Seed for {@link GcpSecretManagerFake.put}. */
export interface GcpSecretSeed {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Payloads of the versions to create, oldest first. */
  versions?: Array<string | Uint8Array>;
}

/** One recorded RPC. */
export interface GcpCallRecord {
  method: string;
  request: unknown;
}

/** A running GCP Secret Manager fake. */
export interface GcpSecretManagerFake {
  /** `host:port` for `apiEndpoint`/`port` client options. */
  endpoint: string;
  port: number;
  /** Added to every call; mutable. */
  delayMs: number;
  /** Page size used when a list request leaves `pageSize` at 0 (the server decides); mutable. */
  defaultPageSize: number;
  /** Raw state keyed by full secret name. */
  secrets: Map<string, GcpSecretState>;
  /** Every RPC received, in order (request as decoded by the server). */
  calls: GcpCallRecord[];
  /** Writes a secret straight into the state (only the name format is checked), replacing one of the same name. */
  put(name: string, seed?: GcpSecretSeed): GcpSecretState;
  /** Payload of the latest version of `name` as UTF-8, or undefined. */
  latestValue(name: string): string | undefined;
  /** Makes the next call of RPC `method` (e.g. `AccessSecretVersion`, or `*` for any) fail with `code`. */
  failNext(method: string, code: grpc.status, message?: string): void;
  /** Forgets all secrets and calls. */
  reset(): void;
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_PAGE_SIZE = 25_000;
const MAX_LABELS = 64;
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const PARENT = /^projects\/[^/]+(\/locations\/[^/]+)?$/;
const SECRET_NAME = /^(projects\/[^/]+(?:\/locations\/[^/]+)?)\/secrets\/([^/]+)$/;
const VERSION_NAME = /^(projects\/[^/]+(?:\/locations\/[^/]+)?\/secrets\/[^/]+)\/versions\/([^/]+)$/;

// ---------------------------------------------------------------------------------------------
// Errors and small helpers
// ---------------------------------------------------------------------------------------------

/** A gRPC status raised by a handler. */
class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);
const notFound = (message: string) => new RpcError(grpc.status.NOT_FOUND, message);
const precondition = (message: string) => new RpcError(grpc.status.FAILED_PRECONDITION, message);

interface Timestamp {
  seconds: number;
  nanos: number;
}

function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

let etagSequence = 0;

/** A fresh quoted etag, like the service's microsecond-based ones. */
function newEtag(): string {
  etagSequence = (etagSequence + 1) % 1000;
  return `"${Date.now() * 1000 + etagSequence}"`;
}

const CRC32C_TABLE = buildCrc32cTable();

function buildCrc32cTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC32C (Castagnoli) of `data`, as Secret Manager reports in `data_crc32c`. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function parseSecretName(name: string | undefined): string {
  if (!name || !SECRET_NAME.test(name)) throw invalid(`Invalid resource field value in the request: ${name}`);
  return name;
}

function parseVersionName(name: string | undefined): { secret: string; spec: string } {
  const match = name ? VERSION_NAME.exec(name) : null;
  if (!match) throw invalid(`Invalid resource field value in the request: ${name}`);
  return { secret: match[1], spec: match[2] };
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function validateLabels(labels: Record<string, string>): void {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) throw invalid(`A secret may have at most ${MAX_LABELS} labels.`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw invalid(
        `Invalid label key "${key}": keys must be 1-63 characters, start with a lowercase letter and contain only lowercase letters, digits, underscores and dashes.`,
      );
    }
    if (!LABEL_VALUE.test(value)) {
      throw invalid(
        `Invalid label value "${value}" for key "${key}": values must be 0-63 characters of lowercase letters, digits, underscores and dashes.`,
      );
    }
  }
}

function validatePayload(payload: PayloadMessage | undefined): Buffer {
  const data = Buffer.from(payload?.data ?? Buffer.alloc(0));
  if (data.length > MAX_PAYLOAD_BYTES) {
    throw invalid(
      `Secret payload data exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes (got ${data.length}).`,
    );
  }
  if (payload?.dataCrc32c !== undefined && payload.dataCrc32c !== null) {
    if (Number(payload.dataCrc32c) !== crc32c(data))
      throw invalid('Checksum mismatch: data_crc32c does not match.');
  }
  return data;
}

function checkEtag(current: string, given: string | undefined): void {
  if (given && given !== current) {
    throw new RpcError(grpc.status.ABORTED, `The etag ${given} does not match the current etag ${current}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Filter language (AIP-160 subset): restrictions `field op value`, NOT / -, AND, OR, parentheses.
// As in AIP-160, OR binds tighter than AND; adjacent terms are ANDed.
// ---------------------------------------------------------------------------------------------

type FieldValue = string | Date | Record<string, string> | undefined;
type FieldLookup = (field: string) => FieldValue;
type Predicate = (lookup: FieldLookup) => boolean;
type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | ':';

const OPERATORS: Operator[] = ['!=', '<=', '>=', '=', '<', '>', ':'];

/** Recursive-descent parser for list filters. */
class FilterParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Predicate {
    const predicate = this.expression();
    this.skipSpace();
    if (this.pos < this.text.length) throw this.error('unexpected input');
    return predicate;
  }

  private expression(): Predicate {
    const parts = [this.sequence()];
    while (this.keyword('AND')) parts.push(this.sequence());
    return (lookup) => parts.every((p) => p(lookup));
  }

  private sequence(): Predicate {
    const parts = [this.factor()];
    while (this.startsTerm()) parts.push(this.factor());
    return (lookup) => parts.every((p) => p(lookup));
  }

  private factor(): Predicate {
    const parts = [this.term()];
    while (this.keyword('OR')) parts.push(this.term());
    return (lookup) => parts.some((p) => p(lookup));
  }

  private term(): Predicate {
    this.skipSpace();
    if (this.keyword('NOT') || this.consume('-')) {
      const inner = this.simple();
      return (lookup) => !inner(lookup);
    }
    return this.simple();
  }

  private simple(): Predicate {
    this.skipSpace();
    if (this.consume('(')) {
      const inner = this.expression();
      this.skipSpace();
      if (!this.consume(')')) throw this.error('missing )');
      return inner;
    }
    return this.restriction();
  }

  private restriction(): Predicate {
    const field = this.match(/[A-Za-z_][A-Za-z0-9_.]*/y);
    if (!field) throw this.error('expected a field name');
    this.skipSpace();
    const op = OPERATORS.find((candidate) => this.consume(candidate));
    if (!op) throw this.error(`expected an operator after ${field}`);
    this.skipSpace();
    const value = this.value();
    return (lookup) => compare(lookup(field), op, value);
  }

  private value(): string {
    if (this.consume('"')) {
      let out = '';
      while (this.pos < this.text.length && this.text[this.pos] !== '"') {
        if (this.text[this.pos] === '\\') this.pos++;
        out += this.text[this.pos++];
      }
      if (!this.consume('"')) throw this.error('unterminated string');
      return out;
    }
    const bare = this.match(/[^\s()"]+/y);
    if (!bare) throw this.error('expected a value');
    return bare;
  }

  private startsTerm(): boolean {
    this.skipSpace();
    if (this.pos >= this.text.length || this.text[this.pos] === ')') return false;
    return !this.peekKeyword('AND') && !this.peekKeyword('OR');
  }

  private peekKeyword(word: string): boolean {
    const re = new RegExp(`${word}(?=[\\s(]|$)`, 'y');
    re.lastIndex = this.pos;
    return re.test(this.text);
  }

  private keyword(word: string): boolean {
    this.skipSpace();
    if (!this.peekKeyword(word)) return false;
    this.pos += word.length;
    return true;
  }

  private consume(token: string): boolean {
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private error(what: string): RpcError {
    return invalid(`Invalid filter "${this.text}": ${what} at position ${this.pos}.`);
  }
}

/** Glob-style "has" match: `*` matches any run of characters, otherwise substring. */
function hasMatch(haystack: string, pattern: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('.*')).test(haystack);
}

function compareOrdered(actual: string | Date, op: Operator, value: string): boolean {
  const left = actual instanceof Date ? actual.getTime() : actual;
  const right = actual instanceof Date ? Date.parse(value) : value;
  if (actual instanceof Date && Number.isNaN(right)) throw invalid(`Invalid timestamp in filter: ${value}`);
  if (op === '<') return left < right;
  if (op === '<=') return left <= right;
  if (op === '>') return left > right;
  return left >= right;
}

function compare(actual: FieldValue, op: Operator, value: string): boolean {
  if (op === ':' && value === '*') return actual !== undefined;
  if (actual === undefined) return op === '!=';
  if (typeof actual === 'object' && !(actual instanceof Date)) {
    if (op !== ':') throw invalid('Maps only support the ":" (has key) operator.');
    return Object.hasOwn(actual, value);
  }
  const text = actual instanceof Date ? actual.toISOString() : actual;
  if (op === ':') return hasMatch(text, value);
  if (op === '=') return actual instanceof Date ? actual.getTime() === Date.parse(value) : text === value;
  if (op === '!=') return actual instanceof Date ? actual.getTime() !== Date.parse(value) : text !== value;
  return compareOrdered(actual, op, value);
}

/** Parses a list filter; an empty filter matches everything. */
function compileFilter(filter: string | undefined): Predicate {
  if (!filter?.trim()) return () => true;
  return new FilterParser(filter).parse();
}

function mapField(field: string, prefix: string, map: Record<string, string>): FieldValue | null {
  if (field === prefix) return map;
  if (field.startsWith(`${prefix}.`)) return map[field.slice(prefix.length + 1)];
  return null;
}

function secretLookup(secret: GcpSecretState): FieldLookup {
  return (field) => {
    if (field === 'name') return secret.name;
    if (field === 'create_time' || field === 'createTime') return secret.createTime;
    const label = mapField(field, 'labels', secret.labels);
    if (label !== null) return label;
    const annotation = mapField(field, 'annotations', secret.annotations);
    if (annotation !== null) return annotation;
    throw invalid(`Unsupported filter field: ${field}`);
  };
}

function versionLookup(secret: GcpSecretState, version: GcpSecretVersionState): FieldLookup {
  return (field) => {
    if (field === 'name') return `${secret.name}/versions/${version.version}`;
    if (field === 'state') return version.state;
    if (field === 'create_time' || field === 'createTime') return version.createTime;
    throw invalid(`Unsupported filter field: ${field}`);
  };
}

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

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
function paginate<T>(
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

// ---------------------------------------------------------------------------------------------
// Wire shapes (as decoded by proto-loader with camelCase fields)
// ---------------------------------------------------------------------------------------------

interface PayloadMessage {
  data?: Uint8Array;
  dataCrc32c?: string | number | null;
}

interface SecretMessage {
  name?: string;
  replication?: Record<string, unknown>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  versionAliases?: Record<string, string | number>;
  etag?: string;
  expireTime?: { seconds?: string | number; nanos?: number };
}

interface ListRequest {
  parent?: string;
  pageSize?: number;
  pageToken?: string;
  filter?: string;
}

interface CreateSecretRequest {
  parent?: string;
  secretId?: string;
  secret?: SecretMessage;
}

interface UpdateSecretRequest {
  secret?: SecretMessage;
  updateMask?: { paths?: string[] };
}

interface NameRequest {
  name?: string;
  etag?: string;
}

interface AddVersionRequest {
  parent?: string;
  payload?: PayloadMessage;
}

function secretMessage(secret: GcpSecretState): Record<string, unknown> {
  return {
    name: secret.name,
    replication: secret.replication,
    createTime: toTimestamp(secret.createTime),
    labels: { ...secret.labels },
    annotations: { ...secret.annotations },
    versionAliases: { ...secret.versionAliases },
    etag: secret.etag,
  };
}

function versionMessage(secret: GcpSecretState, v: GcpSecretVersionState): Record<string, unknown> {
  return {
    name: `${secret.name}/versions/${v.version}`,
    createTime: toTimestamp(v.createTime),
    destroyTime: v.destroyTime ? toTimestamp(v.destroyTime) : undefined,
    state: v.state,
    replicationStatus: secret.replication.userManaged ? { userManaged: {} } : { automatic: {} },
    etag: v.etag,
    clientSpecifiedPayloadChecksum: v.clientSpecifiedPayloadChecksum,
  };
}

function normaliseAliases(aliases: Record<string, string | number> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(aliases ?? {}).map(([k, v]) => [k, Number(v)]));
}

// ---------------------------------------------------------------------------------------------
// The service implementation over the in-memory state
// ---------------------------------------------------------------------------------------------

class SecretStore {
  readonly secrets = new Map<string, GcpSecretState>();
  defaultPageSize = 100;

  require(name: string): GcpSecretState {
    const secret = this.secrets.get(name);
    if (!secret) throw notFound(`Secret [${name}] not found.`);
    return secret;
  }

  /** Resolves `latest`, a number or an alias to a stored version. */
  resolveVersion(versionName: string | undefined): {
    secret: GcpSecretState;
    version: GcpSecretVersionState;
  } {
    const { secret: secretName, spec } = parseVersionName(versionName);
    const secret = this.secrets.get(secretName);
    if (!secret) throw notFound(`Secret [${secretName}] not found or has no versions.`);
    const number = this.versionNumber(secret, spec);
    const version = number === undefined ? undefined : secret.versions[number - 1];
    if (!version) throw notFound(`Secret Version [${versionName}] not found.`);
    return { secret, version };
  }

  private versionNumber(secret: GcpSecretState, spec: string): number | undefined {
    if (spec === 'latest') {
      if (secret.versions.length === 0)
        throw notFound(`Secret [${secret.name}] not found or has no versions.`);
      return secret.versions.length;
    }
    if (/^[0-9]+$/.test(spec)) return Number(spec);
    return secret.versionAliases[spec];
  }

  put(name: string, seed: GcpSecretSeed = {}): GcpSecretState {
    const secret: GcpSecretState = {
      name: parseSecretName(name),
      labels: { ...seed.labels },
      annotations: { ...seed.annotations },
      versionAliases: {},
      replication: { automatic: {} },
      createTime: new Date(),
      etag: newEtag(),
      versions: [],
    };
    for (const data of seed.versions ?? []) this.appendVersion(secret, Buffer.from(data), false);
    this.secrets.set(secret.name, secret);
    return secret;
  }

  appendVersion(secret: GcpSecretState, data: Buffer, checksummed: boolean): GcpSecretVersionState {
    const version: GcpSecretVersionState = {
      version: secret.versions.length + 1,
      data,
      state: 'ENABLED',
      createTime: new Date(),
      clientSpecifiedPayloadChecksum: checksummed,
      etag: newEtag(),
    };
    secret.versions.push(version);
    return version;
  }

  createSecret(req: CreateSecretRequest): Record<string, unknown> {
    if (!req.parent || !PARENT.test(req.parent)) throw invalid(`Invalid parent: ${req.parent}`);
    if (!req.secretId || !SECRET_ID.test(req.secretId)) {
      throw invalid(
        `Invalid secret_id "${req.secretId ?? ''}": it must be 1-255 characters of letters, digits, underscores and dashes.`,
      );
    }
    const input = req.secret ?? {};
    const regional = req.parent.includes('/locations/');
    if (!regional && !input.replication?.automatic && !input.replication?.userManaged) {
      throw invalid('Secret.replication must be set (automatic or user_managed).');
    }
    validateLabels(input.labels ?? {});
    const name = `${req.parent}/secrets/${req.secretId}`;
    if (this.secrets.has(name))
      throw new RpcError(grpc.status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
    const secret = this.put(name, { labels: input.labels, annotations: input.annotations });
    secret.replication = regional ? {} : replicationOf(input.replication);
    secret.versionAliases = normaliseAliases(input.versionAliases);
    return secretMessage(secret);
  }

  getSecret(req: NameRequest): Record<string, unknown> {
    return secretMessage(this.require(parseSecretName(req.name)));
  }

  updateSecret(req: UpdateSecretRequest): Record<string, unknown> {
    const secret = this.require(parseSecretName(req.secret?.name));
    const paths = req.updateMask?.paths ?? [];
    if (paths.length === 0) throw invalid('update_mask must name at least one field.');
    checkEtag(secret.etag, req.secret?.etag);
    for (const p of paths) applyUpdatePath(secret, p, req.secret ?? {});
    secret.etag = newEtag();
    return secretMessage(secret);
  }

  deleteSecret(req: NameRequest): Record<string, never> {
    const secret = this.require(parseSecretName(req.name));
    checkEtag(secret.etag, req.etag);
    this.secrets.delete(secret.name);
    return {};
  }

  listSecrets(req: ListRequest): Record<string, unknown> {
    if (!req.parent || !PARENT.test(req.parent)) throw invalid(`Invalid parent: ${req.parent}`);
    const predicate = compileFilter(req.filter);
    const prefix = `${req.parent}/secrets/`;
    const matching = [...this.secrets.values()]
      .filter((s) => s.name.startsWith(prefix) && !s.name.slice(prefix.length).includes('/'))
      .filter((s) => predicate(secretLookup(s)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { page, nextPageToken } = paginate(matching, (s) => s.name, req, this.defaultPageSize);
    return {
      secrets: page.map(secretMessage),
      nextPageToken,
      totalSize: req.filter ? 0 : matching.length,
    };
  }

  addSecretVersion(req: AddVersionRequest): Record<string, unknown> {
    const secret = this.require(parseSecretName(req.parent));
    const data = validatePayload(req.payload);
    const checksummed = req.payload?.dataCrc32c !== undefined && req.payload?.dataCrc32c !== null;
    return versionMessage(secret, this.appendVersion(secret, data, checksummed));
  }

  accessSecretVersion(req: NameRequest): Record<string, unknown> {
    const { secret, version } = this.resolveVersion(req.name);
    if (version.state !== 'ENABLED') {
      throw precondition(
        `Secret Version [${secret.name}/versions/${version.version}] is in ${version.state} state.`,
      );
    }
    return {
      name: `${secret.name}/versions/${version.version}`,
      payload: { data: version.data, dataCrc32c: crc32c(version.data) },
    };
  }

  getSecretVersion(req: NameRequest): Record<string, unknown> {
    const { secret, version } = this.resolveVersion(req.name);
    return versionMessage(secret, version);
  }

  listSecretVersions(req: ListRequest): Record<string, unknown> {
    const secret = this.require(parseSecretName(req.parent));
    const predicate = compileFilter(req.filter);
    const newestFirst = [...secret.versions].reverse().filter((v) => predicate(versionLookup(secret, v)));
    const keyOf = (v: GcpSecretVersionState) => String(1e12 - v.version).padStart(13, '0');
    const { page, nextPageToken } = paginate(newestFirst, keyOf, req, this.defaultPageSize);
    return {
      versions: page.map((v) => versionMessage(secret, v)),
      nextPageToken,
      totalSize: req.filter ? 0 : newestFirst.length,
    };
  }

  setVersionState(req: NameRequest, target: GcpSecretVersionState['state']): Record<string, unknown> {
    const { secret, version } = this.resolveVersion(req.name);
    checkEtag(version.etag, req.etag);
    if (version.state === 'DESTROYED') {
      throw precondition(
        `Secret Version [${secret.name}/versions/${version.version}] is in DESTROYED state.`,
      );
    }
    version.state = target;
    version.etag = newEtag();
    if (target === 'DESTROYED') {
      version.data = Buffer.alloc(0);
      version.destroyTime = new Date();
    }
    return versionMessage(secret, version);
  }
}

function replicationOf(input: Record<string, unknown> | undefined): Record<string, unknown> {
  if (input?.userManaged) return { userManaged: input.userManaged };
  return { automatic: input?.automatic ?? {} };
}

function applyUpdatePath(secret: GcpSecretState, path: string, input: SecretMessage): void {
  if (path === 'labels') {
    validateLabels(input.labels ?? {});
    secret.labels = { ...input.labels };
  } else if (path === 'annotations') {
    secret.annotations = { ...input.annotations };
  } else if (path === 'version_aliases' || path === 'versionAliases') {
    secret.versionAliases = normaliseAliases(input.versionAliases);
  } else if (path === 'expire_time' || path === 'expireTime' || path === 'etag') {
    // Accepted but not modelled: expiry does not delete secrets in this fake.
  } else {
    throw invalid(`Field "${path}" in update_mask cannot be updated.`);
  }
}

// ---------------------------------------------------------------------------------------------
// gRPC wiring
// ---------------------------------------------------------------------------------------------

function protoPaths(): { file: string; includeDirs: string[] } {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@google-cloud/secret-manager/package.json');
  const pkgDir = path.dirname(pkgJson);
  const gaxEntry = createRequire(pkgJson).resolve('google-gax');
  const gaxProtos = path.join(gaxEntry, '..', '..', 'protos');
  return {
    file: 'google/cloud/secretmanager/v1/service.proto',
    includeDirs: [path.join(pkgDir, 'build', 'protos'), gaxProtos],
  };
}

function loadService(): grpc.ServiceDefinition {
  const { file, includeDirs } = protoPaths();
  const definition = protoLoader.loadSync(file, {
    includeDirs,
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: false,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: {
      cloud: { secretmanager: { v1: { SecretManagerService: { service: grpc.ServiceDefinition } } } };
    };
  };
  return loaded.google.cloud.secretmanager.v1.SecretManagerService.service;
}

let cachedService: grpc.ServiceDefinition | undefined;

type Handler = (request: never) => Record<string, unknown>;

/** Per-server plumbing shared by all handlers. */
interface Runtime {
  store: SecretStore;
  calls: GcpCallRecord[];
  failures: Map<string, RpcError>;
  timers: Set<NodeJS.Timeout>;
  delay: () => number;
}

function takeFailure(runtime: Runtime, method: string): RpcError | undefined {
  const key = runtime.failures.has(method) ? method : '*';
  const failure = runtime.failures.get(key);
  runtime.failures.delete(key);
  return failure;
}

function runHandler(
  runtime: Runtime,
  method: string,
  handler: Handler,
  request: unknown,
): Record<string, unknown> {
  const failure = takeFailure(runtime, method);
  if (failure) throw failure;
  return handler(request as never);
}

/** Wraps a synchronous handler as a unary gRPC handler with delay, call log and status errors. */
function unary(runtime: Runtime, method: string, handler: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    runtime.calls.push({ method, request: call.request });
    const timer = setTimeout(() => {
      runtime.timers.delete(timer);
      try {
        callback(null, runHandler(runtime, method, handler, call.request));
      } catch (error) {
        const rpc = error instanceof RpcError ? error : new RpcError(grpc.status.INTERNAL, String(error));
        callback({ code: rpc.code, details: rpc.message, metadata: new grpc.Metadata() });
      }
    }, runtime.delay());
    runtime.timers.add(timer);
  };
}

function implementation(runtime: Runtime): grpc.UntypedServiceImplementation {
  const { store } = runtime;
  const handlers: Record<string, Handler> = {
    CreateSecret: (r: CreateSecretRequest) => store.createSecret(r),
    GetSecret: (r: NameRequest) => store.getSecret(r),
    UpdateSecret: (r: UpdateSecretRequest) => store.updateSecret(r),
    DeleteSecret: (r: NameRequest) => store.deleteSecret(r),
    ListSecrets: (r: ListRequest) => store.listSecrets(r),
    AddSecretVersion: (r: AddVersionRequest) => store.addSecretVersion(r),
    AccessSecretVersion: (r: NameRequest) => store.accessSecretVersion(r),
    GetSecretVersion: (r: NameRequest) => store.getSecretVersion(r),
    ListSecretVersions: (r: ListRequest) => store.listSecretVersions(r),
    DisableSecretVersion: (r: NameRequest) => store.setVersionState(r, 'DISABLED'),
    EnableSecretVersion: (r: NameRequest) => store.setVersionState(r, 'ENABLED'),
    DestroySecretVersion: (r: NameRequest) => store.setVersionState(r, 'DESTROYED'),
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [method, unary(runtime, method, handler)]),
  );
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    );
  });
}

/** Starts the GCP Secret Manager fake; port 0 (default) picks a free port. */
export async function startGcpSecretManagerFake(options: FakeOptions = {}): Promise<GcpSecretManagerFake> {
  const host = options.host ?? '127.0.0.1';
  cachedService ??= loadService();
  const server = new grpc.Server();
  const store = new SecretStore();
  const runtime: Runtime = {
    store,
    calls: [],
    failures: new Map(),
    timers: new Set(),
    delay: () => fake.delayMs,
  };
  const fake: GcpSecretManagerFake = {
    endpoint: '',
    port: 0,
    delayMs: options.delayMs ?? 0,
    get defaultPageSize() {
      return store.defaultPageSize;
    },
    set defaultPageSize(size: number) {
      store.defaultPageSize = size;
    },
    secrets: store.secrets,
    calls: runtime.calls,
    put: (name, seed) => store.put(name, seed),
    latestValue: (name) => store.secrets.get(name)?.versions.at(-1)?.data.toString('utf8'),
    failNext: (method, code, message) => {
      runtime.failures.set(method, new RpcError(code, message ?? `Injected failure of ${method}.`));
    },
    reset: () => {
      store.secrets.clear();
      runtime.calls.length = 0;
      runtime.failures.clear();
    },
    close: async () => {
      for (const timer of runtime.timers) clearTimeout(timer);
      server.forceShutdown();
    },
  };
  server.addService(cachedService, implementation(runtime));
  fake.port = await bind(server, `${host}:${options.port ?? 0}`);
  fake.endpoint = `${host}:${fake.port}`;
  return fake;
}

/** Converts a google.protobuf.Timestamp as the client returns it (seconds may be a Long) to a Date. */
export function timestampToDate(ts: { seconds?: unknown; nanos?: number | null }): Date {
  return new Date(Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}
