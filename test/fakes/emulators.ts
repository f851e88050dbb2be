/**
 * `npm run emulators`: starts the four back-end fakes on fixed ports of 127.0.0.1, prints one
 * line per back-end (`<backend> <endpoint>`), and runs until SIGINT or SIGTERM.
 * The Vault fake accepts the token `root`.
 */
import { startAwsSecretsManagerFake } from './aws-secrets-manager-fake.ts';
import { startAzureKeyVaultFake } from './azure-key-vault-fake.ts';
import { startGcpSecretManagerFake } from './gcp-secret-manager-fake.ts';
import { startVaultKvFake } from './vault-kv-fake.ts';

const HOST = '127.0.0.1';

/** A started fake, reduced to what this script needs. */
interface Running {
  label: string;
  endpoint: string;
  close(): Promise<void>;
}

/** How to start each back-end, in the order they are printed. */
const BACKENDS: Array<{ label: string; start: () => Promise<Running> }> = [
  {
    label: 'aws',
    start: async () => {
      const fake = await startAwsSecretsManagerFake({ host: HOST, port: 4566 });
      return { label: 'aws', endpoint: fake.url, close: () => fake.close() };
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
      const fake = await startAzureKeyVaultFake({ host: HOST, port: 8086 });
      return { label: 'azure', endpoint: fake.url, close: () => fake.close() };
    },
  },
  {
    label: 'vault',
    start: async () => {
      const fake = await startVaultKvFake({ host: HOST, port: 8200 });
      return { label: 'vault', endpoint: fake.url, close: () => fake.close() };
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
