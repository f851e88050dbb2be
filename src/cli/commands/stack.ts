import { badInput, CliError } from '../cli-error.js';
import { type Command, type CommandGroup, flag, stringOption } from '../command.js';
import { confirmDeletion, YES_OPTION } from '../confirm-deletion.js';
import { registerSecretsCommand } from './stack-register-secrets.js';

interface StackComponent {
  name: string;
  type: string;
  flavor: string;
}

interface Stack {
  id: string;
  name: string;
  isActive: boolean;
  components: StackComponent[];
  problems: string[];
}

const STACK_FIELDS = 'id name isActive components { name type flavor } problems';

/** Stack options: component type by option. */
const COMPONENT_OPTIONS = [
  { name: 'secrets-manager', short: 'x', type: 'SECRETS_MANAGER', value: 'SECRETS_MANAGER' },
  { name: 'orchestrator', short: 'o', type: 'ORCHESTRATOR', value: 'ORCH' },
  { name: 'artifact-store', short: 'a', type: 'ARTIFACT_STORE', value: 'ARTIFACT_STORE' },
  { name: 'container-registry', short: 'c', type: 'CONTAINER_REGISTRY', value: 'CONTAINER_REGISTRY' },
  { name: 'experiment-tracker', short: 'e', type: 'EXPERIMENT_TRACKER', value: 'EXPERIMENT_TRACKER' },
] as const;

const TYPE_ORDER = COMPONENT_OPTIONS.map((o) => o.type as string);

const register: Command = {
  name: 'register',
  usage:
    'NAME -x SECRETS_MANAGER [-o ORCH] [-a ARTIFACT_STORE] [-c CONTAINER_REGISTRY] [-e EXPERIMENT_TRACKER] [--set]',
  summary: 'Register a stack from component names',
  details: 'In this command -o names the orchestrator: write --output json for JSON output.',
  options: [
    ...COMPONENT_OPTIONS.map((o) => ({
      name: o.name,
      short: o.short,
      kind: 'string' as const,
      value: o.value,
      help: `the ${o.type} component`,
    })),
    { name: 'set', kind: 'boolean', help: 'make it the active stack' },
  ],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const chosen = COMPONENT_OPTIONS.map((o) => ({ ...o, component: stringOption(context, o.name) })).filter(
      (o) => o.component !== undefined,
    );
    if (!chosen.some((o) => o.type === 'SECRETS_MANAGER'))
      throw new CliError('USAGE', 'a stack needs a secrets manager: -x SECRETS_MANAGER', 2);
    const client = await context.client();
    const { components } = await client.request<{ components: Array<{ name: string; type: string }> }>(
      '{ components { name type } }',
    );
    for (const option of chosen) {
      if (!components.some((c) => c.name === option.component && c.type === option.type))
        throw badInput(`no ${option.type} component named "${option.component}" (-${option.short})`);
    }
    let { registerStack: stack } = await client.request<{ registerStack: Stack }>(
      `mutation($name: String!, $components: [String!]!) { registerStack(name: $name, components: $components) { ${STACK_FIELDS} } }`,
      { name, components: chosen.map((o) => o.component) },
    );
    if (flag(context, 'set')) {
      ({ setActiveStack: stack } = await client.request<{ setActiveStack: Stack }>(
        `mutation($name: String!) { setActiveStack(name: $name) { ${STACK_FIELDS} } }`,
        { name },
      ));
    }
    context.out.result(stack, () => {
      context.out.line(`Registered stack ${stack.name}${stack.isActive ? ' (active)' : ''}.`);
      for (const problem of stack.problems) context.out.note(`Warning: ${problem}`);
    });
  },
};

const list: Command = {
  name: 'list',
  usage: '',
  summary: 'List stacks (* marks the active one)',
  arity: [0, 0],
  async run(context) {
    const { stacks } = await (await context.client()).request<{ stacks: Stack[] }>(
      `{ stacks { ${STACK_FIELDS} } }`,
    );
    context.out.result(stacks, () => {
      if (!stacks.length) return context.out.line('No stacks registered.');
      const types = TYPE_ORDER.filter(
        (type) => type === 'SECRETS_MANAGER' || stacks.some((s) => s.components.some((c) => c.type === type)),
      );
      const rows = [...stacks]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => [
          s.isActive ? '*' : '',
          s.name,
          ...types.map((type) => s.components.find((c) => c.type === type)?.name ?? ''),
        ]);
      context.out.table(['active', 'name', ...types], rows);
    });
  },
};

const set: Command = {
  name: 'set',
  usage: 'NAME',
  summary: 'Make a stack the active one (for your principal)',
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const { setActiveStack: stack } = await (await context.client()).request<{ setActiveStack: Stack }>(
      `mutation($name: String!) { setActiveStack(name: $name) { ${STACK_FIELDS} } }`,
      { name: context.positionals[0] },
    );
    context.out.result(stack, () => context.out.line(`Active stack: ${stack.name}`));
  },
};

const describe: Command = {
  name: 'describe',
  usage: '[NAME]',
  summary: 'Show a stack (default: the active one): its components and problems',
  arity: [0, 1],
  async run(context) {
    const [name] = context.positionals;
    const client = await context.client();
    const stack = name
      ? (
          await client.request<{ stack: Stack | null }>(
            `query($name: String!) { stack(name: $name) { ${STACK_FIELDS} } }`,
            {
              name,
            },
          )
        ).stack
      : (await client.request<{ activeStack: Stack | null }>(`{ activeStack { ${STACK_FIELDS} } }`))
          .activeStack;
    if (!stack)
      throw new CliError(
        'NOT_FOUND',
        name ? `no stack named "${name}"` : 'no active stack: run sgw stack set NAME or give a stack name',
      );
    context.out.result(stack, () => {
      context.out.line(`Stack ${stack.name}${stack.isActive ? ' (active)' : ''}`);
      const components = [...stack.components].sort(
        (a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type),
      );
      context.out.table(
        ['type', 'name', 'flavor'],
        components.map((c) => [c.type, c.name, c.flavor]),
      );
      if (stack.problems.length) {
        context.out.line('Problems:');
        for (const problem of stack.problems) context.out.line(`  - ${problem}`);
      }
    });
  },
};

const remove: Command = {
  name: 'delete',
  usage: 'NAME [-y]',
  summary: 'Delete a stack (its components stay)',
  options: [YES_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const client = await context.client();
    const { stack } = await client.request<{ stack: { id: string } | null }>(
      'query($name: String!) { stack(name: $name) { id } }',
      { name },
    );
    if (!stack) throw new CliError('NOT_FOUND', `no stack named "${name}"`);
    await confirmDeletion(context, `stack "${name}"`);
    const data = await client.request<{ deleteStack: boolean }>(
      'mutation($name: String!) { deleteStack(name: $name) }',
      { name },
    );
    context.out.result(data, () => context.out.line(`Deleted stack ${name}.`));
  },
};

export const stackGroup: CommandGroup = {
  name: 'stack',
  summary: 'stacks: a secrets manager plus the other components of a pipeline',
  children: [register, list, set, describe, remove, registerSecretsCommand],
};
