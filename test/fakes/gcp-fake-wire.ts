/**
 * What the GCP Secret Manager fake sends and receives: the request shapes as proto-loader decodes
 * them (camelCase fields), timestamps, etags, CRC32C checksums, and the status a handler raises.
 */
import * as grpc from '@grpc/grpc-js';

/** A gRPC status raised by a handler. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(grpc.status.NOT_FOUND, message);
export const precondition = (message: string) => new RpcError(grpc.status.FAILED_PRECONDITION, message);

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

let etagSequence = 0;

/** A fresh quoted etag, like the service's microsecond-based ones. */
export function newEtag(): string {
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

export interface PayloadMessage {
  data?: Uint8Array;
  dataCrc32c?: string | number | null;
}

export interface SecretMessage {
  name?: string;
  replication?: Record<string, unknown>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  versionAliases?: Record<string, string | number>;
  etag?: string;
  expireTime?: { seconds?: string | number; nanos?: number };
}

export interface ListRequest {
  parent?: string;
  pageSize?: number;
  pageToken?: string;
  filter?: string;
}

export interface CreateSecretRequest {
  parent?: string;
  secretId?: string;
  secret?: SecretMessage;
}

export interface UpdateSecretRequest {
  secret?: SecretMessage;
  updateMask?: { paths?: string[] };
}

export interface NameRequest {
  name?: string;
  etag?: string;
}

export interface AddVersionRequest {
  parent?: string;
  payload?: PayloadMessage;
}

/** Converts a google.protobuf.Timestamp as the client returns it (seconds may be a Long) to a Date. */
export function timestampToDate(ts: { seconds?: unknown; nanos?: number | null }): Date {
  return new Date(Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}
