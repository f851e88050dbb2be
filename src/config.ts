import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import {
  type AuditSinkConfig,
  auditSinkConfigOf,
  auditSinkEnv,
  auditSinkProblem,
} from './config-audit-sinks.js';
import { optionalString } from './config-fields.js';
import { secretHistoryConfigOf, secretHistoryEnv } from './config-secret-history.js';
import { allowedEndpointsProblem } from './security/endpoint-policy.js';

/** Secrets store back-ends the centralized store can use. */
export const SECRETS_STORE_KINDS = ['sql', 'aws', 'gcp', 'azure', 'hashicorp', 'custom'] as const;
export const SECRET_VALIDATION_LEVELS = ['SECRET_AND_KEY_EXISTS', 'SECRET_EXISTS', 'NONE'] as const;

/** Default secret value reads per second per principal (bursts of five seconds worth). */
const DEFAULT_VALUE_READS_PER_SECOND = 200;

/** An IP address, or a CIDR (`address/prefix`). */
function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const port = z.coerce.number().int().min(0).max(65535);

/** The non-empty, trimmed items of a comma-separated list. */
const listOf = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** Every environment variable the gateway reads, with its meaning. */
const envSchema = z.object({
  PORT: port.default(4000).describe('HTTP port'),
  HOST: z.string().min(1).default('127.0.0.1').describe('HTTP listen address'),
  DATABASE_URL: optionalString
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL')
    .describe('Postgres for metadata, audit log and the SQL secrets store; unset: embedded PGlite'),
  REDIS_URL: optionalString
    .refine((v) => v === undefined || /^rediss?:\/\//.test(v), 'must be a redis:// URL')
    .describe('Redis for audit and migration events across replicas; unset: in-process events'),
  SGW_DATA_DIR: z.string().min(1).default('./.sgw').describe('embedded data directory'),
  SGW_ADMIN_TOKEN: optionalString
    .refine(
      (v) => v === undefined || /^sgw_[A-Za-z0-9_-]{43}$/.test(v),
      'must be sgw_ + 43 base64url characters',
    )
    .describe('bootstrap admin token'),
  SGW_ENCRYPTION_KEYS: optionalString.describe('keyring kid:base64key,…; first is active'),
  SGW_AUDIT_HMAC_KEY: optionalString.describe('key for HMAC fingerprints of values in audit events'),
  SGW_AUDIT_SIGNING_KEY: optionalString
    .refine(
      (v) => v === undefined || Buffer.from(v.trim(), 'base64').length === 32,
      'must be base64 of a 32-byte Ed25519 seed',
    )
    .describe(
      'Ed25519 seed (base64, 32 bytes) signing audit checkpoints; unset: generated into SGW_DATA_DIR, or derived from the first encryption key with DATABASE_URL',
    ),
  SGW_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(10_000)
    .default(10_000)
    .describe('longest time an appended audit event waits for a signed checkpoint (ms)'),
  SGW_SECRETS_STORE: z
    .enum(SECRETS_STORE_KINDS)
    .default('sql')
    .describe('centralized secrets store back-end'),
  SGW_DEPLOYMENT_ID: z
    .string()
    .uuid()
    .optional()
    .describe(
      "the `zenml` tag on remote store entries: a ZenML server's deployment id to share its store; default generated once",
    ),
  SGW_WORKSPACE_ID: z
    .string()
    .uuid()
    .optional()
    .describe(
      "the workspace tag on remote store entries: the ZenML workspace's id to share its store; default generated once",
    ),
  SGW_SECRET_VALIDATION_LEVEL: z
    .enum(SECRET_VALIDATION_LEVELS)
    .default('SECRET_AND_KEY_EXISTS')
    .describe('how secret references are checked at registration'),
  SGW_REDIS_PREFIX: z.string().default('').describe('prefix for Redis channel names (tests, shared Redis)'),
  SGW_BACKEND_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5000)
    .describe('secret back-end call timeout'),
  SGW_MIGRATION_PARALLELISM: z.coerce.number().int().min(1).max(64).default(8).describe('items run at once'),
  SGW_MIGRATION_LEASE_MS: z.coerce.number().int().min(500).default(10_000).describe('migration job lease'),
  SGW_MIGRATION_WRITES_PER_SECOND: z.coerce
    .number()
    .min(0)
    .optional()
    .describe(
      'writes and deletes per second a migration makes to each remote back-end (source manager, store); 0: unpaced; unset: the back-end quota (aws 50, gcp 10, azure 30, others unpaced)',
    ),
  SGW_STORE_COLLECT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(60_000)
    .describe(
      'remote store: how often a replica collects orphaned entries and versions of writes that never committed',
    ),
  SGW_STORE_COLLECT_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(120_000)
    .describe('remote store: age of a write intent before the collector treats its writer as gone'),
  SGW_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe('largest GraphQL request body (POST /graphql, WebSocket message); larger: HTTP 413'),
  SGW_VALUE_READS_PER_SECOND: z.coerce
    .number()
    .min(0)
    .default(DEFAULT_VALUE_READS_PER_SECOND)
    .describe('secret value reads per second per principal (token bucket); 0: no limit'),
  SGW_VALUE_READS_BURST: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('value reads a principal may make at once; unset: five seconds of the rate'),
  SGW_GRAPHIQL: optionalString
    .refine((v) => v === undefined || v === 'true' || v === 'false', 'must be true or false')
    .describe('GraphiQL on GET /graphql from a browser; unset: on without DATABASE_URL, off with it'),
  SGW_METRICS_TOKEN: optionalString.describe('bearer token GET /metrics requires; unset: /metrics is open'),
  SGW_ALLOWED_ENDPOINTS: optionalString
    .superRefine((value, context) => {
      const problem = value === undefined ? undefined : allowedEndpointsProblem(listOf(value));
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .describe(
      'hosts (host, host:port) and CIDRs component and store endpoints may point at besides public addresses; * allows all; unset: loopback only without DATABASE_URL, none with it',
    ),
  SGW_CORS_ORIGINS: optionalString.describe(
    'origins allowed to call the API from a browser (comma-separated); unset: none',
  ),
  SGW_AUTH_FAILURES_PER_WINDOW: z.coerce
    .number()
    .int()
    .positive()
    .default(20)
    .describe('failed authentications per client address and window; later requests: RATE_LIMITED'),
  SGW_AUTH_FAILURE_WINDOW_SECONDS: z.coerce
    .number()
    .positive()
    .default(60)
    .describe('window of SGW_AUTH_FAILURES_PER_WINDOW, in seconds (one aggregate audit event per window)'),
  SGW_TRUSTED_PROXIES: optionalString
    .refine((v) => v === undefined || listOf(v).every(isAddressOrCidr), 'must list IP addresses or CIDRs')
    .describe(
      'proxies (IP addresses, CIDRs) whose X-Forwarded-For names the client address; unset: none, the socket address is the client',
    ),
  ...auditSinkEnv,
  ...secretHistoryEnv,
  SGW_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info').describe('log level'),
});

export type SecretsStoreKind = (typeof SECRETS_STORE_KINDS)[number];
export type SecretValidationLevel = (typeof SECRET_VALIDATION_LEVELS)[number];

export interface Config extends AuditSinkConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  encryptionKeys: string | undefined;
  auditHmacKey: string | undefined;
  /** `SGW_AUDIT_SIGNING_KEY`: base64 Ed25519 seed; undefined: generated or derived. */
  auditSigningKey: string | undefined;
  /** Longest wait of an appended audit event for a signed checkpoint. */
  auditCheckpointIntervalMs: number;
  secretsStore: SecretsStoreKind;
  /** `SGW_SECRETS_STORE_<OPTION>` variables, keyed by lower-case option name (e.g. `region_name`). */
  secretsStoreOptions: Record<string, string>;
  secretValidationLevel: SecretValidationLevel;
  /** SGW_DEPLOYMENT_ID: adopt a ZenML server's deployment id (else the one kept in the database). */
  deploymentId: string | undefined;
  /** SGW_WORKSPACE_ID: adopt a ZenML workspace id (else the one kept in the database). */
  workspaceId: string | undefined;
  redisPrefix: string;
  backendTimeoutMs: number;
  migrationParallelism: number;
  migrationLeaseMs: number;
  /** Migration writes per second per remote back-end; undefined: each flavor's quota, 0: unpaced. */
  migrationWritesPerSecond: number | undefined;
  /** Remote store: interval of the orphan collector, and the age at which it takes an intent over. */
  storeCollectIntervalMs: number;
  storeCollectGraceMs: number;
  secretVersionsKept: number;
  /** SGW_SECRET_RECOVERY_DAYS (fractions allowed; 0: a delete purges at once). */
  secretRecoveryDays: number;
  secretPurgeIntervalMs: number;
  /** Largest request body accepted on POST /graphql (and WebSocket message), in bytes. */
  maxBodyBytes: number;
  /** Secret value reads per second per principal; 0 disables the limit. */
  valueReadsPerSecond: number;
  /** Value reads a principal may make at once (token bucket size). */
  valueReadsBurst: number;
  /** Serve GraphiQL (all assets from the gateway) on GET /graphql to browsers. */
  graphiql: boolean;
  /** Bearer token that GET /metrics requires; undefined: open. */
  metricsToken: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** `SGW_ALLOWED_ENDPOINTS` entries (trimmed, non-empty); undefined when unset. */
  allowedEndpoints: string[] | undefined;
  /** `SGW_CORS_ORIGINS` entries; empty: no browser origin is allowed. */
  corsOrigins: string[];
  /** Failed authentications a client address may make per window before RATE_LIMITED. */
  authFailuresPerWindow: number;
  authFailureWindowMs: number;
  /** `SGW_TRUSTED_PROXIES` entries (addresses, CIDRs); empty: X-Forwarded-For is ignored. */
  trustedProxies: string[];
}

/** Thrown when the environment is invalid; its message is one line naming the variable. */
export class ConfigError extends Error {}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  const sinkProblem = auditSinkProblem(e);
  if (sinkProblem) throw new ConfigError(sinkProblem);
  const storePrefix = 'SGW_SECRETS_STORE_';
  const secretsStoreOptions: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(storePrefix) && value !== undefined && value !== '') {
      secretsStoreOptions[name.slice(storePrefix.length).toLowerCase()] = value;
    }
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir: path.resolve(e.SGW_DATA_DIR),
    adminToken: e.SGW_ADMIN_TOKEN,
    encryptionKeys: e.SGW_ENCRYPTION_KEYS,
    auditHmacKey: e.SGW_AUDIT_HMAC_KEY,
    auditSigningKey: e.SGW_AUDIT_SIGNING_KEY,
    auditCheckpointIntervalMs: e.SGW_AUDIT_CHECKPOINT_INTERVAL_MS,
    secretsStore: e.SGW_SECRETS_STORE,
    secretsStoreOptions,
    secretValidationLevel: e.SGW_SECRET_VALIDATION_LEVEL,
    deploymentId: e.SGW_DEPLOYMENT_ID?.toLowerCase(),
    workspaceId: e.SGW_WORKSPACE_ID?.toLowerCase(),
    redisPrefix: e.SGW_REDIS_PREFIX,
    backendTimeoutMs: e.SGW_BACKEND_TIMEOUT_MS,
    migrationParallelism: e.SGW_MIGRATION_PARALLELISM,
    migrationLeaseMs: e.SGW_MIGRATION_LEASE_MS,
    migrationWritesPerSecond: e.SGW_MIGRATION_WRITES_PER_SECOND,
    storeCollectIntervalMs: e.SGW_STORE_COLLECT_INTERVAL_MS,
    storeCollectGraceMs: e.SGW_STORE_COLLECT_GRACE_MS,
    ...secretHistoryConfigOf(e),
    maxBodyBytes: e.SGW_MAX_BODY_BYTES,
    valueReadsPerSecond: e.SGW_VALUE_READS_PER_SECOND,
    valueReadsBurst: e.SGW_VALUE_READS_BURST ?? Math.max(1, Math.ceil(e.SGW_VALUE_READS_PER_SECOND * 5)),
    graphiql: e.SGW_GRAPHIQL === undefined ? !e.DATABASE_URL : e.SGW_GRAPHIQL === 'true',
    metricsToken: e.SGW_METRICS_TOKEN,
    logLevel: e.SGW_LOG_LEVEL,
    allowedEndpoints: e.SGW_ALLOWED_ENDPOINTS === undefined ? undefined : listOf(e.SGW_ALLOWED_ENDPOINTS),
    corsOrigins: listOf(e.SGW_CORS_ORIGINS),
    authFailuresPerWindow: e.SGW_AUTH_FAILURES_PER_WINDOW,
    authFailureWindowMs: e.SGW_AUTH_FAILURE_WINDOW_SECONDS * 1000,
    trustedProxies: listOf(e.SGW_TRUSTED_PROXIES),
    ...auditSinkConfigOf(e),
  };
}
