import { BadUserInputError } from '../errors.js';
import { pythonJsonDumps } from '../python/python-json.js';
import { type BackendEntry, RAW_VALUE_KEY, type SecretMetadata, type SecretValues } from './backend.js';

/**
 * ZenML's centralized secrets stores (zen_stores/secrets_stores/{base,aws,gcp,azure,hashicorp}_secrets_store.py,
 * identical in 0.40 and 0.45): entry names, tags/labels and payloads, so that a ZenML server and
 * the gateway can share one store.
 */
export type ZenmlStoreKind = 'aws' | 'gcp' | 'azure' | 'hashicorp';

/** Who the store's entries belong to: the `zenml` tag's deployment id and the workspace tag's id. */
export interface StoreIdentity {
  deploymentId: string;
  workspaceId: string;
}

/** What ZenML keeps of a secret beside its values. */
export interface StoreSecretFacts {
  id: string;
  name: string;
  scope: string;
  ownerId: string;
  createdAt?: Date;
  updatedAt?: Date;
}

/** ZenML's metadata keys (base_secrets_store.py). */
export const ZENML_LABEL = 'zenml';
export const ZENML_SECRET_ID = 'zenml_secret_id';
export const ZENML_SECRET_NAME = 'zenml_secret_name';
export const ZENML_SECRET_SCOPE = 'zenml_secret_scope';
export const ZENML_SECRET_WORKSPACE = 'zenml_secret_workspace';
export const ZENML_SECRET_USER = 'zenml_secret_user';

/** HashiCorp's payload keys (hashicorp_secrets_store.py). */
const VAULT_VALUES = 'zenml_secret_values';
const VAULT_METADATA = 'zenml_secret_metadata';

/** Where each store keeps the created/updated timestamps, and in which format. */
const TIMESTAMPS: Record<
  ZenmlStoreKind,
  { created: string; updated: string; format: (at: Date) => string } | null
> = {
  aws: null, // AWS's own CreatedDate / LastChangedDate
  gcp: { created: 'zenml-secret-created', updated: 'zenml-secret-updated', format: gcpTimestamp },
  azure: { created: 'zenml_secret_created', updated: 'zenml_secret_updated', format: pythonIsoformat },
  hashicorp: { created: 'zenml_secret_created', updated: 'zenml_secret_updated', format: pythonIsoformat },
};

/** The backend-native entry name of a secret id, as ZenML names it. */
export const ZENML_ENTRY_NAMES: Record<ZenmlStoreKind, (id: string) => string> = {
  aws: (id) => `zenml/${id}`,
  gcp: (id) => `zenml-${id}`,
  azure: (id) => `zenml-${id}`,
  hashicorp: (id) => `zenml/${id}`,
};

/** ZenML's name rule of each store (`_validate_<kind>_secret_name`). */
const NAME_RULES: Record<ZenmlStoreKind, { rule: RegExp; max: number; text: string }> = {
  aws: { rule: /^[a-zA-Z0-9_+=.@-]*$/, max: 255, text: 'letters, digits and _+=.@-, at most 255' },
  gcp: { rule: /^[a-z0-9_-]+$/, max: 63, text: 'lowercase letters, digits, - and _, at most 63' },
  azure: { rule: /^[0-9a-zA-Z-]+$/, max: 256, text: 'letters, digits and -, at most 256' },
  hashicorp: {
    rule: /^[a-zA-Z0-9_+=.@\-/]*$/,
    max: Number.POSITIVE_INFINITY,
    text: 'letters, digits and _+=.@-/',
  },
};

/** `datetime.isoformat()` of a naive UTC datetime: `2023-05-25T16:06:47.123000`, no fraction at 0 µs. */
export function pythonIsoformat(at: Date): string {
  const [seconds, fraction = '000Z'] = at.toISOString().split('.');
  const millis = fraction.replace('Z', '');
  return millis === '000' ? seconds : `${seconds}.${millis}000`;
}

/** `strftime("%Y-%m-%d-%H-%M-%S")` in UTC (GCP label values allow no `:`). */
export function gcpTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '-');
}

/** ZenML's name rule for this store; BAD_USER_INPUT naming it. */
export function checkZenmlName(kind: ZenmlStoreKind, name: string): void {
  const { rule, max, text } = NAME_RULES[kind];
  if (rule.test(name) && name.length <= max) return;
  throw new BadUserInputError(`"${name}" is not a valid secret name in the ${kind} secrets store: ${text}`, [
    { path: 'name', message: `the ${kind} secrets store (as ZenML's) takes names of ${text}` },
  ]);
}

/**
 * The metadata ZenML's `_get_secret_metadata_for_secret` writes, in its order (deployment id, id,
 * name, scope, workspace, user), plus the store's own timestamps where it keeps them.
 */
export function zenmlMetadata(
  kind: ZenmlStoreKind,
  identity: StoreIdentity,
  secret: StoreSecretFacts,
): SecretMetadata {
  const metadata: SecretMetadata = {
    [ZENML_LABEL]: identity.deploymentId,
    [ZENML_SECRET_ID]: secret.id,
    [ZENML_SECRET_NAME]: secret.name,
    [ZENML_SECRET_SCOPE]: secret.scope.toLowerCase(),
    [ZENML_SECRET_WORKSPACE]: identity.workspaceId,
    [ZENML_SECRET_USER]: secret.ownerId,
  };
  const stamps = TIMESTAMPS[kind];
  if (stamps) {
    const now = new Date();
    metadata[stamps.created] = stamps.format(secret.createdAt ?? now);
    metadata[stamps.updated] = stamps.format(secret.updatedAt ?? now);
  }
  return metadata;
}

/** The stored form of an entry: the payload ZenML writes (json.dumps, or HashiCorp's nested map). */
export function encodeZenmlEntry(kind: ZenmlStoreKind, entry: BackendEntry): BackendEntry {
  const name = entry.metadata[ZENML_SECRET_NAME];
  if (name !== undefined) checkZenmlName(kind, name);
  if (kind !== 'hashicorp') return { ...entry, values: { [RAW_VALUE_KEY]: pythonJsonDumps(entry.values) } };
  const { zenml_secret_created: created, zenml_secret_updated: updated, ...labels } = entry.metadata;
  const data = {
    [VAULT_VALUES]: entry.values,
    [VAULT_METADATA]: labels,
    zenml_secret_created: created,
    zenml_secret_updated: updated,
  };
  // HashiCorp's store keeps everything in the KV data: no custom_metadata.
  return { name: entry.name, values: { [RAW_VALUE_KEY]: JSON.stringify(data) }, metadata: {} };
}

const parsedMap = (text: string | undefined): Record<string, unknown> | undefined => {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const stringsOf = (map: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(map)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );

/**
 * Values and metadata of a stored entry. HashiCorp: the nested `zenml_secret_values` and
 * `zenml_secret_metadata` (plus the timestamps); an entry without them (written by the gateway
 * before it kept ZenML's layout) is read as it is.
 */
export function decodeZenmlEntry(
  kind: ZenmlStoreKind,
  entry: { values: SecretValues; metadata: SecretMetadata },
) {
  if (kind !== 'hashicorp') return { values: entry.values, metadata: entry.metadata };
  const values = parsedMap(entry.values[VAULT_VALUES]);
  if (!values) return { values: entry.values, metadata: entry.metadata };
  const metadata = stringsOf(parsedMap(entry.values[VAULT_METADATA]) ?? {});
  for (const key of ['zenml_secret_created', 'zenml_secret_updated'])
    if (entry.values[key] !== undefined) metadata[key] = entry.values[key];
  return { values: stringsOf(values), metadata };
}

/** A secret as ZenML's `_create_secret_from_metadata` recovers it from an entry's metadata. */
export interface ZenmlStoreSecret {
  id: string;
  name: string;
  scope: 'WORKSPACE' | 'USER';
  workspaceId: string;
  userId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The secret an entry's metadata describes when it belongs to this deployment and carries every
 * key ZenML requires (id, name, scope, workspace, user), else undefined — ZenML skips such
 * entries too. The timestamps ZenML also requires (GCP, Azure, HashiCorp) are not: the gateway
 * reads an entry without them.
 */
export function zenmlSecretOf(metadata: SecretMetadata, deploymentId: string): ZenmlStoreSecret | undefined {
  if (metadata[ZENML_LABEL] !== deploymentId) return undefined;
  const id = metadata[ZENML_SECRET_ID];
  const name = metadata[ZENML_SECRET_NAME];
  const scope = metadata[ZENML_SECRET_SCOPE];
  const workspaceId = metadata[ZENML_SECRET_WORKSPACE];
  const userId = metadata[ZENML_SECRET_USER];
  if (!id || !UUID.test(id) || !name || !workspaceId || !userId || !UUID.test(userId)) return undefined;
  if (scope !== 'workspace' && scope !== 'user') return undefined;
  return {
    id: id.toLowerCase(),
    name,
    scope: scope === 'user' ? 'USER' : 'WORKSPACE',
    workspaceId,
    userId: userId.toLowerCase(),
  };
}
