import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { NotFoundError } from '../../errors.js';
import { formatSecretReference } from '../../flavors/secret-reference.js';
import type { FieldReference } from '../../flavors/validate-configuration.js';
import type { AuditService } from '../audit/audit-service.js';
import { type Component, componentReferences, MASK } from '../stacks/component.js';
import type { StacksService } from '../stacks/stacks-service.js';
import {
  type FoundSecret,
  findSecret,
  type LookupContext,
  lookupContextOf,
  type ReferenceLookupDeps,
} from './reference-lookup.js';

/** What resolving a configuration needs: the lookup, the stacks, permission checks and audit. */
export interface ResolutionDeps extends ReferenceLookupDeps {
  stacks: Pick<StacksService, 'stacksWithComponent' | 'activeStack'>;
  audit: Pick<AuditService, 'record'>;
  authorize: Authorize;
}

/** Every secret the references name, with values, by secret name; NOT_FOUND for the first one missing. */
async function findReferenced(
  deps: ReferenceLookupDeps,
  principal: Principal,
  refs: FieldReference[],
  context: LookupContext,
): Promise<Map<string, FoundSecret>> {
  const found = new Map<string, FoundSecret>();
  for (const ref of refs) {
    if (found.has(ref.secretName)) continue;
    const secret = await findSecret(deps, principal, ref.secretName, context, true);
    if (!secret) {
      throw new NotFoundError(
        `Secret "${ref.secretName}" referenced by ${formatSecretReference(ref)} in field "${ref.field}" does not exist`,
      );
    }
    found.set(ref.secretName, secret);
  }
  return found;
}

/** The configuration with each reference replaced, and the values read (for fingerprints); NOT_FOUND for a missing key. */
function substitute(component: Component, refs: FieldReference[], found: Map<string, FoundSecret>) {
  const resolved: Record<string, unknown> = { ...component.configuration };
  const fingerprinted: Record<string, string> = {};
  for (const ref of refs) {
    const secret = found.get(ref.secretName)!;
    const value = secret.values?.[ref.key];
    if (value === undefined) {
      throw new NotFoundError(
        `Secret "${ref.secretName}" has no key "${ref.key}" (field "${ref.field}"); available keys: ${secret.keys.join(', ') || 'none'}`,
      );
    }
    resolved[ref.field] = value;
    fingerprinted[`${ref.secretName}.${ref.key}`] = value;
  }
  guardSensitivePlainValues(component, resolved, fingerprinted);
  return { resolved, fingerprinted };
}

/**
 * The sensitive plain values of a configuration: a secrets manager's credentials never leave
 * the gateway (masked, for every role); another component's are returned to the value reader
 * and fingerprinted in the audit event (`field:<name>`, a key no reference can take).
 */
function guardSensitivePlainValues(
  component: Component,
  resolved: Record<string, unknown>,
  fingerprinted: Record<string, string>,
): void {
  for (const field of component.sealedFields) {
    const value = resolved[field];
    if (component.type === 'SECRETS_MANAGER') resolved[field] = MASK;
    else fingerprinted[`field:${field}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/**
 * The configuration with every reference replaced by its value (USER-scoped secrets only in a
 * component the caller owns), a secrets manager's credentials masked; needs value access; one
 * audited `component.resolve` with the fingerprints of every value returned.
 */
export async function resolve(
  deps: ResolutionDeps,
  principal: Principal,
  component: Component,
): Promise<Record<string, unknown>> {
  const refs = componentReferences(component);
  const target = { kind: 'component', type: component.type, name: component.name, componentId: component.id };
  await deps.authorize(principal, 'secret.values', { action: 'component.resolve', target });
  const context = await lookupContextOf(deps.stacks, principal, component);
  const found = await findReferenced(deps, principal, refs, context);
  const { resolved, fingerprinted } = substitute(component, refs, found);
  await deps.audit.record({
    actor: principal.name,
    action: 'component.resolve',
    target: {
      ...target,
      stack: context.stack?.name ?? null,
      secrets: [...found.values()].map((s) => ({
        ...s.target,
        keys: refs.filter((r) => r.secretName === s.name).map((r) => r.key),
      })),
    },
    values: fingerprinted,
  });
  return resolved;
}
