/**
 * Centralized-store entries as ZenML 0.40 and 0.45 servers write them
 * (test/fixtures/zenml-store/zenml-<version>.json, made by generate.py with ZenML's formatting),
 * loaded into the fakes; and the reverse: an entry read back by ZenML's own rules
 * (`_convert_<kind>_secret` + `_create_secret_from_metadata` of zen_stores/secrets_stores/*.py).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import type { AzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import type { GcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import type { VaultKvFake } from '../fakes/vault-kv-fake.js';

export interface ZenmlStoreFixture {
  deploymentId: string;
  workspaceId: string;
  userId: string;
  aws: Array<{ name: string; secretString: string; tags: Array<{ Key: string; Value: string }> }>;
  gcp: Array<{ secretId: string; labels: Record<string, string>; payload: string }>;
  azure: Array<{ name: string; value: string; tags: Record<string, string>; contentType: string }>;
  hashicorp: Array<{ path: string; data: Record<string, unknown> }>;
}

const DIR = path.resolve(import.meta.dirname, '../fixtures/zenml-store');

export function zenmlStoreFixture(version: '0.40' | '0.45'): ZenmlStoreFixture {
  return JSON.parse(readFileSync(path.join(DIR, `zenml-${version}.json`), 'utf8'));
}

export function loadIntoAws(fake: AwsSecretsManagerFake, fixture: ZenmlStoreFixture): void {
  for (const e of fixture.aws) fake.put(e.name, e.secretString, { tags: e.tags });
}
export function loadIntoGcp(fake: GcpSecretManagerFake, project: string, fixture: ZenmlStoreFixture): void {
  for (const e of fixture.gcp)
    fake.put(`projects/${project}/secrets/${e.secretId}`, { labels: e.labels, versions: [e.payload] });
}
export function loadIntoAzure(fake: AzureKeyVaultFake, fixture: ZenmlStoreFixture): void {
  for (const e of fixture.azure) fake.put(e.name, e.value, { tags: e.tags, contentType: e.contentType });
}
export function loadIntoVault(fake: VaultKvFake, mount: string, fixture: ZenmlStoreFixture): void {
  for (const e of fixture.hashicorp) fake.put(mount, e.path, e.data);
}

/** What ZenML's server knows: its deployment id and the users and workspaces in its database. */
export interface ZenmlServer {
  deploymentId: string;
  workspaces: string[];
  users: string[];
}

export interface ZenmlReadSecret {
  id: string;
  name: string;
  scope: 'workspace' | 'user';
  workspace: string;
  user: string;
  values: Record<string, unknown>;
}

/** Python's `uuid.UUID(text)` for the canonical form, lower-cased as `str()` prints it. */
function pyUuid(text: string | undefined): string {
  if (!text || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(text))
    throw new Error(`badly formed hexadecimal UUID string: ${text}`);
  return text.toLowerCase();
}

/** base_secrets_store.py `_create_secret_from_metadata`: KeyError (here Error) when ZenML would skip it. */
export function zenmlSecretFromMetadata(
  server: ZenmlServer,
  metadata: Record<string, unknown>,
  values: Record<string, unknown> | undefined,
): ZenmlReadSecret {
  if (metadata.zenml !== server.deploymentId) throw new Error('Secret is not managed by this ZenML instance');
  for (const key of [
    'zenml_secret_id',
    'zenml_secret_name',
    'zenml_secret_scope',
    'zenml_secret_workspace',
    'zenml_secret_user',
  ])
    if (typeof metadata[key] !== 'string') throw new Error(`missing required metadata: '${key}'`);
  const scope = metadata.zenml_secret_scope;
  if (scope !== 'workspace' && scope !== 'user') throw new Error(`'${scope}' is not a valid SecretScope`);
  const workspace = pyUuid(metadata.zenml_secret_workspace as string);
  const user = pyUuid(metadata.zenml_secret_user as string);
  if (!server.workspaces.includes(workspace) || !server.users.includes(user))
    throw new Error('the secret is associated with a non-existent user or workspace');
  return {
    id: pyUuid(metadata.zenml_secret_id as string),
    name: metadata.zenml_secret_name as string,
    scope,
    workspace,
    user,
    values: values ?? {},
  };
}

/** `datetime.strptime(text, "%Y-%m-%d-%H-%M-%S")`. */
export function pyStrptimeGcp(text: string | undefined): Date {
  const m = text?.match(/^(\d{4})-(\d{1,2})-(\d{1,2})-(\d{1,2})-(\d{1,2})-(\d{1,2})$/);
  if (!m) throw new Error(`time data '${text}' does not match format '%Y-%m-%d-%H-%M-%S'`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** `datetime.fromisoformat(text)` of Python 3.8–3.10 for what ZenML writes (`isoformat()`): `T`, optional .fff or .ffffff. */
export function pyFromIsoformat(text: string | undefined): Date {
  const m = text?.match(/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}|\d{6}))?$/);
  if (!m) throw new Error(`Invalid isoformat string: '${text}'`);
  const ms = m[7] ? Number(m[7].slice(0, 3)) : 0;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms));
}

/** `json.loads` of a payload: the same object for valid JSON. */
const jsonLoads = (text: string) => JSON.parse(text) as Record<string, unknown>;

export function readAwsAsZenml(
  fake: AwsSecretsManagerFake,
  server: ZenmlServer,
  id: string,
): ZenmlReadSecret {
  const secret = fake.secrets.get(`zenml/${id}`);
  if (!secret) throw new Error(`Secret with ID ${id} not found`);
  const current = [...secret.versions.values()].find((v) => v.stages.includes('AWSCURRENT'));
  const metadata = Object.fromEntries(secret.tags.map((tag) => [tag.Key, tag.Value]));
  return zenmlSecretFromMetadata(
    server,
    metadata,
    current?.secretString ? jsonLoads(current.secretString) : undefined,
  );
}

export function readGcpAsZenml(fake: GcpSecretManagerFake, project: string, server: ZenmlServer, id: string) {
  const name = `projects/${project}/secrets/zenml-${id}`;
  const secret = fake.secrets.get(name);
  if (!secret) throw new Error(`Can't find the specified secret for secret_id '${id}'`);
  pyStrptimeGcp(secret.labels['zenml-secret-created']);
  pyStrptimeGcp(secret.labels['zenml-secret-updated']);
  return zenmlSecretFromMetadata(server, secret.labels, jsonLoads(fake.latestValue(name) ?? ''));
}

export function readAzureAsZenml(fake: AzureKeyVaultFake, server: ZenmlServer, id: string): ZenmlReadSecret {
  const latest = fake.latest(`zenml-${id}`);
  if (!latest) throw new Error(`Secret with ID ${id} not found`);
  const tags = latest.tags ?? {};
  pyFromIsoformat(tags.zenml_secret_created);
  pyFromIsoformat(tags.zenml_secret_updated);
  return zenmlSecretFromMetadata(server, tags, latest.value ? jsonLoads(latest.value) : undefined);
}

export function readVaultAsZenml(
  fake: VaultKvFake,
  mount: string,
  server: ZenmlServer,
  id: string,
): ZenmlReadSecret {
  const data = fake.read(mount, `zenml/${id}`);
  if (!data) throw new Error(`Secret with ID ${id} not found`);
  const metadata = data.zenml_secret_metadata;
  const values = data.zenml_secret_values;
  if (typeof metadata !== 'object' || metadata === null || typeof values !== 'object' || values === null)
    throw new Error('Secret could not be retrieved: missing required metadata');
  pyFromIsoformat(data.zenml_secret_created as string);
  pyFromIsoformat(data.zenml_secret_updated as string);
  return zenmlSecretFromMetadata(
    server,
    metadata as Record<string, unknown>,
    values as Record<string, unknown>,
  );
}
