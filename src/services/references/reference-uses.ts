import type { Keyring } from '../../crypto/keyring.js';
import type { Db } from '../../database/database.js';
import { microBatch } from '../micro-batch.js';
import type { SecretScope } from '../secrets/secret.js';
import { type Component, componentFromRow, componentReferences } from '../stacks/component.js';
import { type Stack, stacksFromRows } from '../stacks/stack.js';
import { componentsMentioning, stacksOfComponents } from './reference-uses-repository.js';

/** One reference to a secret: the component, its field, the key named, and the stacks holding the component. */
export interface SecretReferenceUse {
  component: Component;
  field: string;
  key: string;
  stacks: Stack[];
}

/** A secret as the reference graph knows it: a name in a scope, owned by someone (for USER). */
export interface ReferencedSecret {
  name: string;
  scope: SecretScope;
  /** The USER secret's owner; null when unknown (then no component's reference resolves to it). */
  ownerId: string | null;
}

export interface ReferenceUsesDeps {
  db: Db;
  /** Opens the components' sealed values (the Component type carries them, masked on the way out). */
  keyring: Keyring;
}

/**
 * Whether a component's `{{name.key}}` resolves to this secret for some reader, by the rule of
 * `lookupContextOf`: a USER secret only for its owner and only in a component that owner
 * registered; a WORKSPACE one for every reader but the owner of a component who holds a USER
 * secret of that name, so it counts in every component naming it.
 */
function resolvesTo(component: Component, secret: ReferencedSecret): boolean {
  if (secret.scope === 'WORKSPACE') return true;
  return secret.ownerId !== null && component.ownerId === secret.ownerId;
}

/** The stacks of each component, by component id: one query for the links, one for the stacks' components. */
async function stacksByComponent(
  deps: ReferenceUsesDeps,
  componentIds: string[],
): Promise<Map<string, Stack[]>> {
  const links = await stacksOfComponents(deps.db, componentIds);
  const rows = [...new Map(links.map(({ component_id: _, ...row }) => [row.id, row])).values()];
  const stacks = new Map((await stacksFromRows(deps.db, deps.keyring, rows)).map((s) => [s.id, s]));
  const result = new Map<string, Stack[]>();
  for (const link of links) {
    const list = result.get(link.component_id) ?? [];
    list.push(stacks.get(link.id)!);
    result.set(link.component_id, list);
  }
  return result;
}

/** The uses of each secret, in the order of the components (type, name) then fields: three queries for any number. */
export async function loadReferenceUses(
  deps: ReferenceUsesDeps,
  secrets: ReferencedSecret[],
): Promise<SecretReferenceUse[][]> {
  const names = [...new Set(secrets.map((s) => s.name))];
  const components = (await componentsMentioning(deps.db, names)).map((row) =>
    componentFromRow(row, deps.keyring),
  );
  const found = secrets.map((secret) =>
    components.flatMap((component) =>
      resolvesTo(component, secret)
        ? componentReferences(component)
            .filter((ref) => ref.secretName === secret.name)
            .map((ref) => ({ component, field: ref.field, key: ref.key }))
        : [],
    ),
  );
  const used = [...new Set(found.flat().map((u) => u.component.id))];
  const stacks = await stacksByComponent(deps, used);
  return found.map((uses) => uses.map((u) => ({ ...u, stacks: stacks.get(u.component.id) ?? [] })));
}

/** A secret's uses, micro-batched: concurrent callers (a page of secrets, a feed's subscribers) share the queries. */
export function createReferenceUses(
  deps: ReferenceUsesDeps,
): (secret: ReferencedSecret) => Promise<SecretReferenceUse[]> {
  const load = microBatch(async (keys: string[]) => {
    const secrets = keys.map((k) => JSON.parse(k) as ReferencedSecret);
    const uses = await loadReferenceUses(deps, secrets);
    return new Map(keys.map((k, i) => [k, uses[i]]));
  }, 100);
  return async (secret) => {
    const key = JSON.stringify({ name: secret.name, scope: secret.scope, ownerId: secret.ownerId });
    return (await load(key)) ?? [];
  };
}

/** `Secret "x" is referenced by component "c" (field f, key k) in stack s`, one per use. */
export function referenceWarnings(secretName: string, uses: SecretReferenceUse[]): string[] {
  return uses.map((use) => {
    const names = use.stacks.map((s) => s.name);
    const where =
      names.length === 0 ? 'in no stack' : `in stack${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
    return `Secret "${secretName}" is referenced by component "${use.component.name}" (field ${use.field}, key ${use.key}) ${where}`;
  });
}
