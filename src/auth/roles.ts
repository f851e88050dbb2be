export const ROLES = ['ADMIN', 'WRITER', 'READER', 'AUDITOR'] as const;
export type Role = (typeof ROLES)[number];

/** What a caller may do; each service call checks one. */
export type Permission =
  | 'stack.read'
  | 'stack.write'
  | 'secret.read'
  | 'secret.values'
  | 'secret.write'
  | 'secret.purge'
  | 'migration.run'
  | 'audit.read'
  | 'token.manage'
  | 'key.rotate';

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  ADMIN: new Set<Permission>([
    'stack.read',
    'stack.write',
    'secret.read',
    'secret.values',
    'secret.write',
    'secret.purge',
    'migration.run',
    'audit.read',
    'token.manage',
    'key.rotate',
  ]),
  WRITER: new Set<Permission>([
    'stack.read',
    'stack.write',
    'secret.read',
    'secret.values',
    'secret.write',
    'migration.run',
  ]),
  READER: new Set<Permission>(['stack.read', 'secret.read']),
  AUDITOR: new Set<Permission>(['audit.read']),
};

/** Whether `role` grants `permission`. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
