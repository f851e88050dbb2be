import { CliError } from '../cli-error.js';
import { type Command, stringOption } from '../command.js';
import {
  configFilePath,
  DEFAULT_URL,
  readStoredLogin,
  removeStoredLogin,
  writeStoredLogin,
} from '../config-file.js';
import { GatewayClient } from '../gateway-client.js';

export const loginCommand: Command = {
  name: 'login',
  usage: '--url URL [--token TOKEN]',
  summary: 'Check a token against the gateway and store URL and token (file mode 0600)',
  details:
    'Without --token the token is asked for (hidden). The login is stored in $SGW_CONFIG or\n' +
    '~/.config/sgw/config.json; SGW_URL and SGW_TOKEN, when set, take precedence over it.',
  options: [
    { name: 'url', kind: 'string', value: 'URL', help: 'the gateway, e.g. http://127.0.0.1:4000' },
    { name: 'token', kind: 'string', value: 'TOKEN', help: 'an API token (sgw_…); asked for when omitted' },
  ],
  arity: [0, 0],
  async run(context) {
    const file = configFilePath(context.env);
    const stored = await readStoredLogin(file, (line) => context.out.note(line));
    const url = stringOption(context, 'url') ?? context.env.SGW_URL ?? stored?.url ?? DEFAULT_URL;
    let token = stringOption(context, 'token');
    if (token === undefined) {
      token = (await context.prompt.askHidden('Token: '))?.trim();
      if (!token) throw new CliError('ABORTED', 'no token given');
    }
    const client = new GatewayClient(url, token);
    const { viewer } = await client.request<{ viewer: { name: string; role: string } }>(
      '{ viewer { name role } }',
    );
    await writeStoredLogin(file, { url: client.url, token });
    context.out.result({ url: client.url, viewer, config: file }, () =>
      context.out.line(`Logged in to ${client.url} as ${viewer.name} (${viewer.role}); saved in ${file}`),
    );
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  usage: '',
  summary: 'Forget the stored login',
  arity: [0, 0],
  async run(context) {
    const file = configFilePath(context.env);
    const removed = await removeStoredLogin(file);
    context.out.result({ removed, config: file }, () =>
      context.out.line(removed ? `Removed the stored login (${file}).` : 'Not logged in.'),
    );
  },
};
