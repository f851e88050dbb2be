/**
 * Every action the gateway records on the audit trail, `<domain>.<verb>`: an event's `action`
 * is one of these (a denied attempt records the action it tried).
 */
export const AUDIT_ACTIONS = [
  'audit.list',
  'audit.subscribe',
  'audit.verify',
  'auth.authenticate',
  'component.delete',
  'component.get',
  'component.list',
  'component.register',
  'component.resolve',
  'component.update',
  'key.rotate',
  'managed_secret.create',
  'managed_secret.delete',
  'managed_secret.get',
  'managed_secret.list',
  'managed_secret.read',
  'managed_secret.update',
  'migration.cancel',
  'migration.finish',
  'migration.get',
  'migration.list',
  'migration.plan',
  'migration.progress',
  'migration.start',
  'migration.watch',
  'secret.create',
  'secret.delete',
  'secret.get',
  'secret.list',
  'secret.read',
  'secret.rename',
  'secret.update',
  'stack.activate',
  'stack.delete',
  'stack.get',
  'stack.list',
  'stack.register',
  'stack.update',
  'token.create',
  'token.revoke',
] as const;

/** One recorded action (stored events are read back as plain strings: older rows may differ). */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
