import type { AwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';

/** The store options that point `SGW_SECRETS_STORE=aws` at an AWS fake. */
export function awsStoreEnv(store: AwsSecretsManagerFake): Record<string, string> {
  return {
    SGW_SECRETS_STORE: 'aws',
    SGW_SECRETS_STORE_REGION_NAME: 'us-east-1',
    SGW_SECRETS_STORE_ENDPOINT_URL: store.url,
    SGW_SECRETS_STORE_AWS_ACCESS_KEY_ID: store.credentials.accessKeyId,
    SGW_SECRETS_STORE_AWS_SECRET_ACCESS_KEY: store.credentials.secretAccessKey,
  };
}

/** Names of the live (not deleted) global secrets in a source AWS fake, without the prefix. */
export function liveSources(source: AwsSecretsManagerFake): string[] {
  return [...source.secrets.values()]
    .filter((s) => s.deletedDate === undefined && s.name.startsWith('zenml/global/'))
    .map((s) => s.name.slice('zenml/global/'.length))
    .sort();
}

/** Names of the live entries of a store AWS fake (`zenml/<secret id>`). */
export function liveStoreEntries(store: AwsSecretsManagerFake): string[] {
  return [...store.secrets.values()].filter((s) => s.deletedDate === undefined).map((s) => s.name);
}

/** Seeds `count` basic_auth secrets `<prefix>-0000`… into a source AWS fake; returns their values by name. */
export function seedSources(
  seed: (name: string, values: Record<string, string>, schema: string) => void,
  prefix: string,
  count: number,
): Map<string, Record<string, string>> {
  const expected = new Map<string, Record<string, string>>();
  for (let i = 0; i < count; i += 1) {
    const name = `${prefix}-${String(i).padStart(4, '0')}`;
    const values = { username: `u${i}`, password: `p-${i}-${prefix}` };
    expected.set(name, values);
    seed(name, values, 'basic_auth');
  }
  return expected;
}
