import path from 'node:path';
import { z } from 'zod';
import { optionalString } from './config-fields.js';

/** The variables of the audit sinks (src/services/audit/sinks/), with their meaning. */
export const auditSinkEnv = {
  SGW_AUDIT_FILE: optionalString.describe(
    "JSON-lines file receiving every audit event (id order, fsync'd in batches, reopened on SIGHUP); unset: no file sink",
  ),
  SGW_AUDIT_WEBHOOK_URL: optionalString
    .refine((v) => v === undefined || /^https?:\/\/[^/?#]+/.test(v), 'must be an http:// or https:// URL')
    .describe(
      'URL receiving audit events as signed POSTs of {"events":[…]} (SGW_ALLOWED_ENDPOINTS applies); unset: no webhook sink',
    ),
  SGW_AUDIT_WEBHOOK_SECRET: optionalString
    .refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters')
    .describe(
      'HMAC-SHA256 key of X-SGW-Signature on webhook batches; required with SGW_AUDIT_WEBHOOK_URL; never logged',
    ),
  SGW_AUDIT_WEBHOOK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe('longest wait for the webhook to answer one POST'),
  SGW_AUDIT_WEBHOOK_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('longest wait between two webhook attempts (exponential backoff cap)'),
  SGW_AUDIT_SINK_LEASE_MS: z.coerce
    .number()
    .int()
    .min(300)
    .default(15_000)
    .describe('how long a replica drives a sink without renewing; another replica takes over after it'),
};

type AuditSinkEnv = z.infer<z.ZodObject<typeof auditSinkEnv>>;

/** Audit sinks: `SGW_AUDIT_FILE`, `SGW_AUDIT_WEBHOOK_*`, `SGW_AUDIT_SINK_LEASE_MS`. */
export interface AuditSinkConfig {
  auditFile: string | undefined;
  auditWebhookUrl: string | undefined;
  /** Never logged nor shown in an error. */
  auditWebhookSecret: string | undefined;
  auditWebhookTimeoutMs: number;
  auditWebhookRetryMaxMs: number;
  auditSinkLeaseMs: number;
}

/** What is wrong with the sink variables together (one line naming the variable), if anything. */
export function auditSinkProblem(e: AuditSinkEnv): string | undefined {
  if (e.SGW_AUDIT_WEBHOOK_URL && !e.SGW_AUDIT_WEBHOOK_SECRET)
    return 'Invalid SGW_AUDIT_WEBHOOK_SECRET: required with SGW_AUDIT_WEBHOOK_URL';
  return undefined;
}

export function auditSinkConfigOf(e: AuditSinkEnv): AuditSinkConfig {
  return {
    auditFile: e.SGW_AUDIT_FILE === undefined ? undefined : path.resolve(e.SGW_AUDIT_FILE),
    auditWebhookUrl: e.SGW_AUDIT_WEBHOOK_URL,
    auditWebhookSecret: e.SGW_AUDIT_WEBHOOK_SECRET,
    auditWebhookTimeoutMs: e.SGW_AUDIT_WEBHOOK_TIMEOUT_MS,
    auditWebhookRetryMaxMs: e.SGW_AUDIT_WEBHOOK_RETRY_MAX_MS,
    auditSinkLeaseMs: e.SGW_AUDIT_SINK_LEASE_MS,
  };
}
