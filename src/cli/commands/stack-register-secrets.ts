import { CliError } from '../cli-error.js';
import { type Command, type CommandContext, flag } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import { expandValue, showMaskedSecret } from '../secret-values.js';

interface ReferencingStack {
  name: string;
  secretsManager: { name: string } | null;
  components: Array<{ secretReferences: Array<{ secretName: string; key: string }> }>;
}

const FIELDS = 'name secretsManager { name } components { secretReferences { secretName key } }';

/** The stack by name, or the active one; NOT_FOUND when there is none. */
async function stackOf(client: GatewayClient, name: string | undefined): Promise<ReferencingStack> {
  const stack = name
    ? (
        await client.request<{ stack: ReferencingStack | null }>(
          `query($name: String!) { stack(name: $name) { ${FIELDS} } }`,
          { name },
        )
      ).stack
    : (await client.request<{ activeStack: ReferencingStack | null }>(`{ activeStack { ${FIELDS} } }`))
        .activeStack;
  if (!stack)
    throw new CliError(
      'NOT_FOUND',
      name ? `no stack named "${name}"` : 'no active stack: run sgw stack set NAME or give a stack name',
    );
  return stack;
}

/** Required keys by secret name, from every component's `{{name.key}}` references (names sorted). */
function requiredSecrets(stack: ReferencingStack): Map<string, Set<string>> {
  const required = new Map<string, Set<string>>();
  for (const component of stack.components)
    for (const { secretName, key } of component.secretReferences) {
      const keys = required.get(secretName) ?? new Set<string>();
      keys.add(key);
      required.set(secretName, keys);
    }
  return new Map([...required.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

const ended = () => new CliError('ABORTED', 'input ended before every value was entered');

/** The secret's values after asking for each required key, and whether they changed. */
async function askValues(
  context: CommandContext,
  name: string,
  keys: Set<string>,
  current: Record<string, string>,
): Promise<{ values: Record<string, string>; changed: boolean }> {
  const values = { ...current };
  let changed = false;
  for (const key of [...keys].sort()) {
    const existing = current[key];
    if (existing) {
      if (flag(context, 'skip-existing')) continue;
      const answer = await context.prompt.askHidden(
        `Value for secret \`${name}.${key}\` (Leave empty to use existing value):`,
      );
      if (answer === undefined) throw ended();
      const value = answer ? await expandValue(key, answer) : existing;
      changed ||= value !== existing;
      values[key] = value;
      continue;
    }
    let answer: string | undefined = '';
    while (answer === '') answer = await context.prompt.askHidden(`Value for secret \`${name}.${key}\`:`);
    if (answer === undefined) throw ended();
    values[key] = await expandValue(key, answer);
    changed = true;
  }
  return { values, changed };
}

/**
 * `sgw stack register-secrets [STACK] [--skip-existing]`, as ZenML's `zenml stack register-secrets`
 * (cli/stack.py, 0.39.1/0.40): for every secret the stack's components reference, asks (hidden) for
 * each referenced key the stack's secrets manager lacks (and, unless --skip-existing, offers to
 * replace the ones it has; Enter keeps them), then registers the missing secrets and updates the
 * changed ones in the secrets manager. Values typed as `@path` read the file.
 */
export const registerSecretsCommand: Command = {
  name: 'register-secrets',
  usage: '[STACK] [--skip-existing]',
  summary: "Interactively register the secrets a stack's components reference in its secrets manager",
  options: [
    { name: 'skip-existing', kind: 'boolean', help: 'do not ask for values the secrets manager has' },
  ],
  arity: [0, 1],
  argNames: ['STACK'],
  async run(context) {
    const client = await context.client();
    const stack = await stackOf(client, context.positionals[0]);
    const required = requiredSecrets(stack);
    if (!required.size) return context.out.line('No secrets required for this stack.');
    if (!stack.secretsManager)
      throw new CliError(
        'BAD_USER_INPUT',
        `stack ${stack.name} has no secrets manager to register ${[...required.keys()].join(', ')} in`,
      );
    const toRegister: Array<[string, Record<string, string>]> = [];
    const toUpdate: Array<[string, Record<string, string>]> = [];
    for (const [name, keys] of required) {
      const { managedSecret } = await client.request<{
        managedSecret: { values: Record<string, string> } | null;
      }>('query($name: String!, $stack: String) { managedSecret(name: $name, stack: $stack) { values } }', {
        name,
        stack: stack.name,
      });
      const { values, changed } = await askValues(context, name, keys, managedSecret?.values ?? {});
      if (!managedSecret) toRegister.push([name, values]);
      else if (changed) toUpdate.push([name, values]);
    }
    for (const [name, values] of toRegister) {
      showMaskedSecret(context.out, `Registering secret \`${name}\`:`, values);
      await client.request(
        'mutation($name: String!, $values: JSON!, $stack: String) { registerManagedSecret(name: $name, values: $values, stack: $stack) { name } }',
        { name, values, stack: stack.name },
      );
    }
    for (const [name, values] of toUpdate) {
      showMaskedSecret(context.out, `Updating secret \`${name}\`:`, values);
      await client.request(
        'mutation($name: String!, $values: JSON!, $stack: String) { updateManagedSecret(name: $name, values: $values, stack: $stack) { name } }',
        { name, values, stack: stack.name },
      );
    }
    context.out.line(
      `Registered ${toRegister.length} and updated ${toUpdate.length} secret(s) in ${stack.secretsManager.name}.`,
    );
  },
};
