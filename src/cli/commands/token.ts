import { usageError } from '../cli-error.js';
import { type Command, type CommandGroup, stringOption } from '../command.js';

const ROLES = ['ADMIN', 'WRITER', 'READER', 'AUDITOR'];

const create: Command = {
  name: 'create',
  usage: 'PRINCIPAL --role ADMIN|WRITER|READER|AUDITOR',
  summary: 'Issue a token for a principal (created if new); the token is printed once',
  options: [
    { name: 'role', short: 'r', kind: 'string', value: 'ROLE', help: 'ADMIN, WRITER, READER or AUDITOR' },
  ],
  arity: [1, 1],
  argNames: ['PRINCIPAL'],
  async run(context) {
    const role = stringOption(context, 'role')?.toUpperCase();
    if (!role) throw usageError('missing --role (ADMIN, WRITER, READER or AUDITOR)');
    if (!ROLES.includes(role)) throw usageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`);
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
  children: [create, revoke],
};
