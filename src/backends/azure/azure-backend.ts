import type { SecretClient, SecretProperties } from '@azure/keyvault-secrets';
import { AlreadyExistsError, BackendError, BadUserInputError, NotFoundError } from '../../errors.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  type SecretBackend,
  type SecretMetadata,
  valuesFromPayload,
} from '../backend.js';
import type { ThrottleRetryBounds } from '../throttle-retry.js';
import { azureSecretClient, listingPage } from './azure-client.js';
import type { AzureSignInOptions } from './azure-credential.js';
import {
  currentAzureVersionId,
  getAzureVersion,
  restoreAzureVersion,
  setAzureVersion,
} from './azure-versions.js';

export interface AzureBackendOptions extends AzureSignInOptions {
  /** `https://<key vault name>.vault.azure.net` (or a local emulator's URL). */
  vaultUrl: string;
  /** Allows a plain-http vault URL (local emulators only). */
  allowInsecure?: boolean;
  /** Bound of every request, in milliseconds. */
  timeoutMs: number;
  /** Connections to a vault outside Azure's clouds, and to authority_host, go only where it allows. */
  endpoints?: EndpointPolicy;
  /** Bounds of the retry of throttled (429) requests (default DEFAULT_THROTTLE_RETRY). */
  throttleRetry?: Partial<ThrottleRetryBounds>;
}

const NAME_RULE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_TAGS = 15;
const MAX_PAGE_SIZE = 25;
/** Delete-poll interval: Key Vault usually finishes a soft delete within a second or two. */
const DELETE_POLL_MS = 250;
/** The HTTP status of an SDK error, if it has one. */
function statusOf(error: unknown): number | undefined {
  const status =
    typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** The service's error code, if it has one. */
function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Refuses a name Key Vault would refuse (BadUserInputError). */
function checkName(name: string): void {
  if (!NAME_RULE.test(name)) {
    throw new BadUserInputError(
      `"${name}" is not a valid Azure Key Vault secret name: 1-127 characters of [0-9a-zA-Z-]`,
      [{ path: 'name', message: 'Azure Key Vault secret names are 1-127 characters of [0-9a-zA-Z-]' }],
    );
  }
}

/** Refuses metadata that does not fit Key Vault's tag rules (BadUserInputError naming each problem). */
function checkTags(metadata: SecretMetadata): void {
  const entries = Object.entries(metadata);
  const issues = [];
  if (entries.length > MAX_TAGS)
    issues.push({ path: 'metadata', message: `Azure Key Vault allows at most ${MAX_TAGS} tags per secret` });
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 512)
      issues.push({ path: `metadata.${key}`, message: 'Azure tag names are 1-512 characters' });
    if (value.length > 256)
      issues.push({ path: `metadata.${key}`, message: 'Azure tag values are at most 256 characters' });
  }
  if (issues.length > 0)
    throw new BadUserInputError('Metadata does not fit Azure Key Vault tag rules', issues);
}

const metadataOf = (properties: SecretProperties): SecretMetadata => ({ ...(properties.tags ?? {}) });

/** The client and the bound of its calls, handed to each operation. */
interface Azure {
  client: SecretClient;
  timeoutMs: number;
}

/** Per-call options: aborted after the back-end's bound. */
const signal = (azure: Azure) => ({ abortSignal: AbortSignal.timeout(azure.timeoutMs) });

async function exists(azure: Azure, name: string): Promise<boolean> {
  try {
    await azure.client.getSecret(name, signal(azure));
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** The inner error code of a Key Vault error (`ObjectIsDeletedButRecoverable` …), if it has one. */
function innerCodeOf(error: unknown): string | undefined {
  const details = (error as { details?: { error?: { innerError?: { code?: unknown } } } } | null)?.details;
  const code = details?.error?.innerError?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Attempts at setting a just-recovered name: Key Vault may still answer `ObjectIsBeingRecovered`. */
const SET_AFTER_RECOVERY_ATTEMPTS = 8;

/** Sets the value, waiting out a recovery that Key Vault has not finished (409 ObjectIsBeingRecovered). */
async function setAfterRecovery(azure: Azure, entry: BackendEntry): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setEntry(azure, entry);
    } catch (error) {
      const recovering = statusOf(error) === 409 && innerCodeOf(error) === 'ObjectIsBeingRecovered';
      if (!recovering || attempt >= SET_AFTER_RECOVERY_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, DELETE_POLL_MS * attempt));
    }
  }
}

/** Sets the values and tags as a new version; the version's id. */
const setEntry = (azure: Azure, entry: BackendEntry) =>
  setAzureVersion(azure, entry.name, entry.values, entry.metadata);

/**
 * Creates; a name that is soft-deleted (deleted by us or by ZenML, never purged) is recovered
 * and then given the new value and tags, as a new version. The id of the version written.
 */
async function createEntry(azure: Azure, entry: BackendEntry): Promise<string> {
  checkName(entry.name);
  checkTags(entry.metadata);
  // setSecret overwrites; Key Vault has no create-only call, so check first.
  if (await exists(azure, entry.name))
    throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
  try {
    return await setEntry(azure, entry);
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
    if (
      innerCodeOf(error) !== 'ObjectIsDeletedButRecoverable' &&
      innerCodeOf(error) !== 'ObjectIsBeingRecovered'
    )
      throw new AlreadyExistsError(
        `Secret entry "${entry.name}" is taken in Azure Key Vault (${codeOf(error) ?? 'Conflict'})`,
      );
    if (innerCodeOf(error) === 'ObjectIsDeletedButRecoverable') {
      const poller = await azure.client.beginRecoverDeletedSecret(entry.name, {
        intervalInMs: DELETE_POLL_MS,
        ...signal(azure),
      });
      await poller.pollUntilDone();
    }
    return setAfterRecovery(azure, entry);
  }
}

async function getEntry(azure: Azure, name: string): Promise<BackendEntry | undefined> {
  if (!NAME_RULE.test(name)) return undefined;
  try {
    const secret = await azure.client.getSecret(name, signal(azure));
    // A Key Vault secret names itself in its id; any other JSON (no Key Vault) is no secret.
    if (secret.name?.toLowerCase() !== name.toLowerCase() || typeof secret.properties.id !== 'string')
      throw new BackendError('azure back-end error: the answer is not an Azure Key Vault secret');
    return {
      name: secret.name,
      values: valuesFromPayload(secret.value ?? ''),
      metadata: metadataOf(secret.properties),
    };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** A new version; its id. */
async function updateEntry(azure: Azure, entry: BackendEntry): Promise<string> {
  checkName(entry.name);
  checkTags(entry.metadata);
  if (!(await exists(azure, entry.name))) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
  // A new version; Key Vault keeps tags per version, so the new one carries the metadata.
  return setAzureVersion(azure, entry.name, entry.values, entry.metadata);
}

/**
 * Soft delete, as ZenML does: no purge (purging needs a permission most service principals lack,
 * and Key Vault keeps the secret recoverable for its retention period); re-creating the name
 * recovers it (createEntry).
 */
async function deleteEntry(azure: Azure, name: string): Promise<boolean> {
  if (!NAME_RULE.test(name)) return false;
  try {
    const poller = await azure.client.beginDeleteSecret(name, {
      intervalInMs: DELETE_POLL_MS,
      ...signal(azure),
    });
    await poller.pollUntilDone();
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
  return true;
}

async function listEntries(azure: Azure, query: BackendListQuery): Promise<BackendListPage> {
  const maxPageSize = Math.max(1, Math.min(query.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
  const pages = azure.client
    .listPropertiesOfSecrets(signal(azure))
    .byPage({ continuationToken: query.pageToken, maxPageSize });
  const listing: { nextLink?: string } = {};
  const first = await listingPage.run(listing, () => pages.next());
  const page: SecretProperties[] = first.done ? [] : first.value;
  const entries = page
    // Secrets backing Key Vault certificates are managed by the vault, not by us.
    .filter((properties) => !properties.managed)
    .map((properties) => ({ name: properties.name, metadata: metadataOf(properties) }))
    .filter((entry) => matchesListQuery(entry, query));
  return { entries, nextPageToken: listing.nextLink };
}

/**
 * The `azure` back-end (Azure Key Vault): the value is the JSON of the values (or the raw
 * payload under RAW_VALUE_KEY), tags = metadata. Deleting is Key Vault's soft delete (never a
 * purge, as ZenML); creating a soft-deleted name recovers it and sets the new value; listing pages with the service's continuation tokens and filters tags
 * client-side (Key Vault has no server-side filter). Signs in through @azure/identity
 * (azureCredential: a service principal, else the default Azure credential); a refused sign-in
 * is BACKEND_ERROR "Azure sign-in failed: …".
 */
export function createAzureBackend(options: AzureBackendOptions): SecretBackend {
  const azure: Azure = { client: azureSecretClient(options), timeoutMs: options.timeoutMs };
  return {
    kind: 'azure',
    create: async (entry) => void (await createEntry(azure, entry)),
    get: (name) => getEntry(azure, name),
    update: async (entry) => void (await updateEntry(azure, entry)),
    delete: (name) => deleteEntry(azure, name),
    list: (query) => listEntries(azure, query),
    createVersioned: (entry) => createEntry(azure, entry),
    putVersion: (entry) => updateEntry(azure, entry),
    getVersion: (name, versionId) => getAzureVersion(azure, name, versionId),
    currentVersionId: (name) => currentAzureVersionId(azure, name),
    restoreVersion: (name, versionId) => restoreAzureVersion(azure, name, versionId),
  };
}
