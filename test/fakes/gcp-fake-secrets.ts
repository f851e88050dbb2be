/**
 * Secrets as the GCP Secret Manager fake keeps them, and the service's rules for them: resource
 * names, label rules, payload limit, etags, the messages the service answers with, and the fields
 * a filter may name.
 */
import * as grpc from '@grpc/grpc-js';
import type { FieldLookup, FieldValue } from './gcp-fake-filter.js';
import {
  crc32c,
  invalid,
  type PayloadMessage,
  RpcError,
  type SecretMessage,
  toTimestamp,
} from './gcp-fake-wire.js';

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

const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_LABELS = 64;
export const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
export const PARENT = /^projects\/[^/]+(\/locations\/[^/]+)?$/;
const SECRET_NAME = /^(projects\/[^/]+(?:\/locations\/[^/]+)?)\/secrets\/([^/]+)$/;
const VERSION_NAME = /^(projects\/[^/]+(?:\/locations\/[^/]+)?\/secrets\/[^/]+)\/versions\/([^/]+)$/;

export function parseSecretName(name: string | undefined): string {
  if (!name || !SECRET_NAME.test(name)) throw invalid(`Invalid resource field value in the request: ${name}`);
  return name;
}

export function parseVersionName(name: string | undefined): { secret: string; spec: string } {
  const match = name ? VERSION_NAME.exec(name) : null;
  if (!match) throw invalid(`Invalid resource field value in the request: ${name}`);
  return { secret: match[1], spec: match[2] };
}

export function validateLabels(labels: Record<string, string>): void {
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

export function validatePayload(payload: PayloadMessage | undefined): Buffer {
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

export function checkEtag(current: string, given: string | undefined): void {
  if (given && given !== current) {
    throw new RpcError(grpc.status.ABORTED, `The etag ${given} does not match the current etag ${current}.`);
  }
}

function mapField(field: string, prefix: string, map: Record<string, string>): FieldValue | null {
  if (field === prefix) return map;
  if (field.startsWith(`${prefix}.`)) return map[field.slice(prefix.length + 1)];
  return null;
}

export function secretLookup(secret: GcpSecretState): FieldLookup {
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

export function versionLookup(secret: GcpSecretState, version: GcpSecretVersionState): FieldLookup {
  return (field) => {
    if (field === 'name') return `${secret.name}/versions/${version.version}`;
    if (field === 'state') return version.state;
    if (field === 'create_time' || field === 'createTime') return version.createTime;
    throw invalid(`Unsupported filter field: ${field}`);
  };
}

export function secretMessage(secret: GcpSecretState): Record<string, unknown> {
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

export function versionMessage(secret: GcpSecretState, v: GcpSecretVersionState): Record<string, unknown> {
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

export function normaliseAliases(
  aliases: Record<string, string | number> | undefined,
): Record<string, number> {
  return Object.fromEntries(Object.entries(aliases ?? {}).map(([k, v]) => [k, Number(v)]));
}

export function replicationOf(input: Record<string, unknown> | undefined): Record<string, unknown> {
  if (input?.userManaged) return { userManaged: input.userManaged };
  return { automatic: input?.automatic ?? {} };
}

export function applyUpdatePath(secret: GcpSecretState, path: string, input: SecretMessage): void {
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
