import type { InputIssue } from '../errors.js';
import type { Flavor } from './flavor-catalog.js';

/** Where a flavor's credentials go, and what identifies them beside its sensitive fields. */
export interface CredentialDestination {
  /** Fields that say where, or how, the credentials are sent: endpoint, URL, vault, region, project, TLS trust. */
  where: string[];
  /** Fields not sensitive themselves that go out with the credentials (an access key id, a client id …). */
  identities: string[];
}

/**
 * Per flavor of the catalog (`TYPE/name`), where its credentials go. Flavors not named here
 * send none of their fields anywhere they could choose (or have no credentials).
 */
const DESTINATIONS: Record<string, CredentialDestination> = {
  'SECRETS_MANAGER/aws': { where: ['region_name', 'endpoint_url'], identities: ['aws_access_key_id'] },
  'SECRETS_MANAGER/gcp': { where: ['project_id', 'api_endpoint', 'insecure', 'ca_cert'], identities: [] },
  'SECRETS_MANAGER/azure': {
    where: ['key_vault_name', 'vault_url', 'tenant_id', 'authority_host', 'allow_insecure'],
    identities: ['client_id'],
  },
  'SECRETS_MANAGER/vault': { where: ['url', 'ca_cert'], identities: ['role_id'] },
  'ARTIFACT_STORE/s3': { where: ['endpoint_url'], identities: [] },
  'ARTIFACT_STORE/azure': { where: ['account_name'], identities: [] },
  'EXPERIMENT_TRACKER/mlflow': { where: ['tracking_uri'], identities: ['tracking_username'] },
};

/** Where the credentials of a flavor go (empty lists when it names no destination). */
export function credentialDestination(flavor: Flavor): CredentialDestination {
  return DESTINATIONS[`${flavor.type}/${flavor.name}`] ?? { where: [], identities: [] };
}

const isSet = (value: unknown) => value !== undefined && value !== null && value !== '';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * An update that changes where a component's credentials are sent must give them again: one
 * issue per credential field (sensitive, or an identity going with them) set in `current` and
 * not in `changes` (a null there, removing it, counts as given). None when no destination moves.
 */
export function repointingIssues(
  flavor: Flavor,
  current: Record<string, unknown>,
  next: Record<string, unknown>,
  changes: Record<string, unknown>,
): InputIssue[] {
  const destination = credentialDestination(flavor);
  const moved = destination.where.filter((field) => !same(current[field], next[field]));
  if (moved.length === 0) return [];
  return flavor.configFields
    .filter((f) => f.sensitive || destination.identities.includes(f.name))
    .map((f) => f.name)
    .filter((field) => isSet(current[field]) && !Object.hasOwn(changes, field))
    .map((field) => ({
      path: `configuration.${field}`,
      message: `give it again in this update: it changes ${moved.join(', ')}, where the credentials are sent`,
    }));
}
