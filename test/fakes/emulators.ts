/**
 * `npm run emulators`: starts the four back-end fakes on fixed ports of 127.0.0.1, prints one
 * line per back-end (`<backend> <endpoint>`), and runs until SIGINT or SIGTERM.
 * The AWS fake checks SigV4 signatures and accepts the key `AKIDFAKE` with the secret
 * `fake-secret` (DEFAULT_AWS_FAKE_CREDENTIALS); the Vault fake accepts the token `root` and the
 * AppRole `sgw-role` / `sgw-secret-id`. Their sign-in fields go to stderr too.
 * The Azure fake signs callers in with its Entra ID fake (HTTPS on port 8087, the test
 * certificate): its settings (tenant_id, client_id, client_secret, authority_host) and the
 * certificate file that NODE_EXTRA_CA_CERTS must name go to stderr, after the endpoint lines.
 * Last on stderr: the SGW_ALLOWED_ENDPOINTS a gateway needs to reach the fakes.
 * `FAKE_FAULTS` (e.g. `DeleteSecret:throttle:0.6,GetSecretValue:slow:0.2:300`; fake-faults.ts)
 * makes every fake throttle, fail, slow down or hang that share of the calls it names.
 */
import { startAwsSecretsManagerFake } from './aws-secrets-manager-fake.ts';
import { startAzureKeyVaultFake } from './azure-key-vault-fake.ts';
import { startEntraIdFake } from './entra-id-fake.ts';
import { startGcpSecretManagerFake } from './gcp-secret-manager-fake.ts';
import { startVaultKvFake } from './vault-kv-fake.ts';

const HOST = '127.0.0.1';
/** The fakes listen on loopback, which a gateway with DATABASE_URL refuses unless allowed. */
const ALLOWED_ENDPOINTS_NOTE = `gateway: SGW_ALLOWED_ENDPOINTS=${HOST} (needed with DATABASE_URL; an embedded gateway allows loopback already)`;

/** A started fake, reduced to what this script needs. */
interface Running {
  label: string;
  endpoint: string;
  /** How to use it beyond the endpoint, printed on stderr. */
  notes?: string[];
  close(): Promise<void>;
}

/** How to start each back-end, in the order they are printed. */
const BACKENDS: Array<{ label: string; start: () => Promise<Running> }> = [
  {
    label: 'aws',
    start: async () => {
      const fake = await startAwsSecretsManagerFake({ host: HOST, port: 4566 });
      const { accessKeyId, secretAccessKey } = fake.credentials;
      return {
        label: 'aws',
        endpoint: fake.url,
        notes: [`aws sign-in: aws_access_key_id=${accessKeyId} aws_secret_access_key=${secretAccessKey}`],
        close: () => fake.close(),
      };
    },
  },
  {
    label: 'gcp',
    start: async () => {
      const fake = await startGcpSecretManagerFake({ host: HOST, port: 8085 });
      return { label: 'gcp', endpoint: fake.endpoint, close: () => fake.close() };
    },
  },
  {
    label: 'azure',
    start: async () => {
      const entra = await startEntraIdFake({ host: HOST, port: 8087 });
      const fake = await startAzureKeyVaultFake({ host: HOST, port: 8086, entra });
      const settings = Object.entries(fake.signInFields).map(([field, value]) => `${field}=${value}`);
      return {
        label: 'azure',
        endpoint: fake.url,
        notes: [
          `azure sign-in (with allow_insecure=true): ${settings.join(' ')}`,
          `azure: the gateway must trust the Entra ID fake's certificate: NODE_EXTRA_CA_CERTS=${entra.certFile}`,
        ],
        close: async () => {
          await fake.close();
          await entra.close();
        },
      };
    },
  },
  {
    label: 'vault',
    start: async () => {
      const appRole = { roleId: 'sgw-role', secretId: 'sgw-secret-id' };
      const fake = await startVaultKvFake({ host: HOST, port: 8200, appRoles: [appRole] });
      return {
        label: 'vault',
        endpoint: fake.url,
        notes: [
          `vault sign-in: token=${fake.token}, or role_id=${appRole.roleId} secret_id=${appRole.secretId}`,
        ],
        close: () => fake.close(),
      };
    },
  },
];

async function closeAll(running: Running[]): Promise<void> {
  await Promise.allSettled(running.map((r) => r.close()));
}

/** Starts every fake; on a failure closes the ones already running and rethrows. */
async function startAll(): Promise<Running[]> {
  const running: Running[] = [];
  for (const backend of BACKENDS) {
    try {
      running.push(await backend.start());
    } catch (error) {
      await closeAll(running);
      throw new Error(`could not start the ${backend.label} fake: ${(error as Error).message}`);
    }
  }
  return running;
}

async function main(): Promise<void> {
  const running = await startAll();
  for (const r of running) process.stdout.write(`${r.label} ${r.endpoint}\n`);
  for (const note of running.flatMap((r) => r.notes ?? [])) process.stderr.write(`${note}\n`);
  process.stderr.write(`${ALLOWED_ENDPOINTS_NOTE}\n`);
  if (process.env.FAKE_FAULTS) process.stderr.write(`faults: FAKE_FAULTS=${process.env.FAKE_FAULTS}\n`);
  const stop = () => {
    closeAll(running).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulators: ${(error as Error).message}\n`);
  process.exit(1);
});
