import { usageError } from '../cli-error.js';
import { type Command, type CommandGroup, stringOption } from '../command.js';

const ROLES = ['ADMIN', 'WRITER', 'READER', 'AUDITOR'];

const create: Command = {
  name: 'create',
  usage: 'PRINCIPAL --role ADMIN|WRITER|READER|AUDITOR',
  summary:
    'Issue a token for a principal (created if new; an existing one keeps its role: see token role); the token is printed once',
  options: [
    { name: 'role', short: 'r', kind: 'string', value: 'ROLE', help: 'ADMIN, WRITER, READER or AUDITOR' },
  ],
  arity: [1, 1],
  argNames: ['PRINCIPAL'],
  async run(context) {
    const role = roleOption(context);
    const { createToken } = await (await context.client()).request<{
      createToken: { id: string; token: string; principal: { id: string; name: string; role: string } };
    }>(
      'mutation($principal: String!, $role: Role!) { createToken(principal: $principal, role: $role) { id token principal { id name role } } }',
      { principal: context.positionals[0], role },
    );
    context.out.result(createToken, () => {
      const { principal } = createToken;
      context.out.line(
        `Token ${createToken.id} for ${principal.name} (${principal.role}); it is shown only once:`,
      );
      context.out.line(createToken.token);
    });
  },
};

/** The --role option as the API spells it; a usage error when missing or unknown. */
function roleOption(context: Parameters<Command['run']>[0]): string {
  const role = stringOption(context, 'role')?.toUpperCase();
  if (!role) throw usageError('missing --role (ADMIN, WRITER, READER or AUDITOR)');
  if (!ROLES.includes(role)) throw usageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`);
  return role;
}

const role: Command = {
  name: 'role',
  usage: 'PRINCIPAL --role ADMIN|WRITER|READER|AUDITOR',
  summary: "Change a principal's role, for all its tokens (the last admin cannot lose it)",
  options: [
    { name: 'role', short: 'r', kind: 'string', value: 'ROLE', help: 'ADMIN, WRITER, READER or AUDITOR' },
  ],
  arity: [1, 1],
  argNames: ['PRINCIPAL'],
  async run(context) {
    const { setPrincipalRole } = await (await context.client()).request<{
      setPrincipalRole: { id: string; name: string; role: string };
    }>(
      'mutation($principal: String!, $role: Role!) { setPrincipalRole(principal: $principal, role: $role) { id name role } }',
      { principal: context.positionals[0], role: roleOption(context) },
    );
    context.out.result(setPrincipalRole, () =>
      context.out.line(`${setPrincipalRole.name} is now ${setPrincipalRole.role}.`),
    );
  },
};

const revoke: Command = {
  name: 'revoke',
  usage: 'ID',
  summary: 'Revoke a token by its id',
  arity: [1, 1],
  argNames: ['ID'],
  async run(context) {
    const [id] = context.positionals;
    const data = await (await context.client()).request<{ revokeToken: boolean }>(
      'mutation($id: ID!) { revokeToken(id: $id) }',
      { id },
    );
    context.out.result(data, () => context.out.line(`Revoked token ${id}.`));
  },
};

export const tokenGroup: CommandGroup = {
  name: 'token',
  summary: 'API tokens (ADMIN only)',
  children: [create, role, revoke],
};
