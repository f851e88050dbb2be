import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      redisUrl: undefined,
      secretsStore: 'sql',
      secretValidationLevel: 'SECRET_AND_KEY_EXISTS',
      maxBodyBytes: 1024 * 1024,
      valueReadsPerSecond: 200,
      valueReadsBurst: 1000,
      corsOrigins: [],
      authFailuresPerWindow: 20,
      authFailureWindowMs: 60_000,
      trustedProxies: [],
    });
    expect(config.dataDir.endsWith('.sgw')).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['SGW_SECRETS_STORE', 'dropbox'],
    ['SGW_SECRET_VALIDATION_LEVEL', 'SOMETIMES'],
    ['SGW_ADMIN_TOKEN', 'not-a-token'],
    ['SGW_MAX_BODY_BYTES', '10'],
    ['SGW_VALUE_READS_PER_SECOND', '-1'],
    ['SGW_VALUE_READS_BURST', '0'],
    ['SGW_AUTH_FAILURES_PER_WINDOW', '0'],
    ['SGW_AUTH_FAILURE_WINDOW_SECONDS', 'soon'],
    ['SGW_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['SGW_TRUSTED_PROXIES', 'proxy.internal'],
    ['SGW_AUDIT_WEBHOOK_URL', 'ftp://receiver.example/audit'],
    ['SGW_AUDIT_SINK_LEASE_MS', '10'],
    ['SGW_AUDIT_WEBHOOK_RETRY_MAX_MS', 'never'],
  ])('a bad %s stops start-up with one line naming it', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(`Invalid ${variable}:`)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('needs SGW_AUDIT_WEBHOOK_SECRET with SGW_AUDIT_WEBHOOK_URL, and never repeats the secret', () => {
    const url = 'https://receiver.example/audit';
    expect(() => loadConfig({ SGW_AUDIT_WEBHOOK_URL: url })).toThrow(
      'Invalid SGW_AUDIT_WEBHOOK_SECRET: required with SGW_AUDIT_WEBHOOK_URL',
    );
    const short = 'short-s3cret';
    expect(() => loadConfig({ SGW_AUDIT_WEBHOOK_URL: url, SGW_AUDIT_WEBHOOK_SECRET: short })).toThrow(
      /^Invalid SGW_AUDIT_WEBHOOK_SECRET: must be at least 16 characters$/,
    );
    const config = loadConfig({ SGW_AUDIT_WEBHOOK_URL: url, SGW_AUDIT_WEBHOOK_SECRET: 'x'.repeat(16) });
    expect(config).toMatchObject({ auditWebhookUrl: url, auditSinkLeaseMs: 15_000, auditFile: undefined });
  });

  it('collects SGW_SECRETS_STORE_<OPTION> variables by lower-case option name', () => {
    const config = loadConfig({ SGW_SECRETS_STORE: 'aws', SGW_SECRETS_STORE_REGION_NAME: 'eu-west-1' });
    expect(config.secretsStoreOptions).toEqual({ region_name: 'eu-west-1' });
  });
});
