import type { Principal } from '../../auth/principal.js';
import type { AuditEvent } from '../audit/audit-event.js';
import type { ReferencedSecret, SecretReferenceUse } from '../references/reference-uses.js';
import { SECRET_SCOPES, type SecretScope } from '../secrets/secret.js';

/** The audit actions the change feed carries, and what each becomes. */
export const SECRET_CHANGE_ACTIONS = {
  'secret.create': 'CREATED',
  'secret.update': 'UPDATED',
  'secret.rollback': 'ROLLED_BACK',
  'secret.rename': 'RENAMED',
  'secret.delete': 'DELETED',
  'secret.restore': 'RESTORED',
  'secret.purge': 'PURGED',
} as const;

export type SecretChangeAction = (typeof SECRET_CHANGE_ACTIONS)[keyof typeof SECRET_CHANGE_ACTIONS];

/** One change of a secret, as `secretChanges` sends it (API.md SecretChange): never a value. */
export interface SecretChange {
  /** The audit event's id: the resume cursor. */
  id: string;
  at: Date;
  actor: string;
  action: SecretChangeAction;
  name: string;
  scope: SecretScope;
  /** The version after the change; null for events recorded before targets carried it. */
  version: number | null;
  changedKeys: string[];
  /** The components whose configuration references the secret (for RENAMED: its previous name). */
  referencedBy: SecretReferenceUse[];
}

/** A change before its uses are looked up, with what visibility and filtering need. */
export interface PendingSecretChange extends Omit<SecretChange, 'referencedBy'> {
  /** The secret whose uses `referencedBy` lists. */
  usesOf: ReferencedSecret;
  /** RENAMED: the name before (`names` matches it too). */
  previousName: string | null;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The changed key names: CREATED its keys; UPDATED/ROLLED_BACK changed and removed ones (keys when the target lacks them). */
function changedKeysOf(action: SecretChangeAction, target: Record<string, unknown>): string[] {
  if (action === 'CREATED') return strings(target.keys);
  if (action !== 'UPDATED' && action !== 'ROLLED_BACK') return [];
  if (!Array.isArray(target.changedKeys)) return strings(target.keys);
  return [...new Set([...strings(target.changedKeys), ...strings(target.removedKeys)])].sort();
}

/** The change a SUCCESS audit event of a secret records; undefined for any other event. */
export function secretChangeOf(event: AuditEvent): PendingSecretChange | undefined {
  const action = SECRET_CHANGE_ACTIONS[event.action as keyof typeof SECRET_CHANGE_ACTIONS];
  const { target } = event;
  const name = text(target.name);
  const scope = SECRET_SCOPES.find((s) => s === target.scope);
  if (!action || event.outcome !== 'SUCCESS' || !name || !scope) return undefined;
  const previousName = action === 'RENAMED' ? text(target.previousName) : null;
  const ownerId = text(target.ownerId);
  return {
    ...{ id: event.id, at: event.at, actor: event.actor, action, name, scope },
    version: typeof target.version === 'number' ? target.version : null,
    changedKeys: changedKeysOf(action, target),
    usesOf: { name: previousName ?? name, scope, ownerId },
    previousName,
  };
}

/** Whether the principal may see the change: WORKSPACE, its own USER secret (owner known), or any as ADMIN. */
export function canSeeChange(principal: Principal, change: PendingSecretChange): boolean {
  if (principal.role === 'ADMIN' || change.scope === 'WORKSPACE') return true;
  return change.usesOf.ownerId !== null && change.usesOf.ownerId === principal.id;
}

/** Whether the change is about one of `names` (any when none given); a rename matches either name. */
export function matchesNames(change: PendingSecretChange, names: ReadonlySet<string> | null): boolean {
  if (!names) return true;
  return names.has(change.name) || (change.previousName !== null && names.has(change.previousName));
}
