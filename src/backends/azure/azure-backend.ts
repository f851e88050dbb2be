import { AsyncLocalStorage } from 'node:async_hooks';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { SecretClient, type SecretProperties } from '@azure/keyvault-secrets';
import { AlreadyExistsError, BadUserInputError, NotFoundError } from '../../errors.js';
import {
  matchesListQuery,
  payloadFromValues,
  type SecretBackend,
  type SecretMetadata,
  valuesFromPayload,
} from '../backend.js';
import { type AzureSignInOptions, azureCredential, hasServicePrincipal } from './azure-credential.js';

export interface AzureBackendOptions extends AzureSignInOptions {
  /** `https://<key vault name>.vault.azure.net` (or a local emulator's URL). */
  vaultUrl: string;
  /** Allows a plain-http vault URL (local emulators only). */
  allowInsecure?: boolean;
  /** Bound of every request, in milliseconds. */
  timeoutMs: number;
}

const NAME_RULE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_TAGS = 15;
const MAX_PAGE_SIZE = 25;
/** Delete-poll interval: Key Vault usually finishes a soft delete within a second or two. */
const DELETE_POLL_MS = 250;
/** Hosts of this machine: local emulators. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
/** Hosts of Azure's Key Vault clouds, where the challenge resource is verified. */
const KEY_VAULT_HOSTS =
  /\.(vault\.azure\.net|vault\.azure\.cn|vault\.usgovcloudapi\.net|vault\.microsoftazure\.de|managedhsm\.azure\.net)$/i;

function statusOf(error: unknown): number | undefined {
  const status =
    typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function checkName(name: string): void {
  if (!NAME_RULE.test(name)) {
    throw new BadUserInputError(
      `"${name}" is not a valid Azure Key Vault secret name: 1-127 characters of [0-9a-zA-Z-]`,
      [{ path: 'name', message: 'Azure Key Vault secret names are 1-127 characters of [0-9a-zA-Z-]' }],
    );
  }
}

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

/** Where a listing call collects the `nextLink` of the page it fetched. */
const listingPage = new AsyncLocalStorage<{ nextLink?: string }>();

/**
 * Reads `nextLink` off list responses. SecretClient's `byPage` drops the continuation token
 * when it maps items to SecretProperties (4.11), so the token is taken from the wire instead;
 * AsyncLocalStorage ties each response to the listing call that asked for it.
 */
const nextLinkPolicy: PipelinePolicy = {
  name: 'sgwListNextLink',
  async sendRequest(request, next) {
    const response = await next(request);
    const page = listingPage.getStore();
    if (page && request.method === 'GET' && response.status === 200 && response.bodyAsText) {
      try {
        const body = JSON.parse(response.bodyAsText) as { nextLink?: unknown };
        if (typeof body.nextLink === 'string' && body.nextLink !== '') page.nextLink = body.nextLink;
      } catch {
        // not a JSON list page
      }
    }
    return response;
  },
};

const metadataOf = (properties: SecretProperties): SecretMetadata => ({ ...(properties.tags ?? {}) });

/**
 * The `azure` back-end (Azure Key Vault): the value is the JSON of the values (or the raw
 * payload under RAW_VALUE_KEY), tags = metadata. Deleting purges the soft-deleted secret so the
 * name can be re-created; listing pages with the service's continuation tokens and filters tags
 * client-side (Key Vault has no server-side filter). Signs in through @azure/identity
 * (azureCredential: a service principal, else the default Azure credential); a refused sign-in
 * is BACKEND_ERROR "Azure sign-in failed: …".
 */
export function createAzureBackend(options: AzureBackendOptions): SecretBackend {
  let url: URL;
  try {
    url = new URL(options.vaultUrl);
  } catch {
    throw new BadUserInputError(`vault URL "${options.vaultUrl}" is not a URL`, [
      { path: 'vault_url', message: 'must be a URL such as https://<name>.vault.azure.net' },
    ]);
  }
  if (url.protocol !== 'https:' && !options.allowInsecure)
    throw new BadUserInputError(
      `vault URL ${url.origin} is not https (set allow_insecure for a local emulator)`,
      [{ path: 'vault_url', message: 'must be https unless allow_insecure is set' }],
    );
  const client = new SecretClient(options.vaultUrl, azureCredential(options), {
    // The challenge names https://vault.azure.net as resource; only a real Key Vault host matches
    // it. Another host may skip that check only with the component's own service principal (its
    // token is worth nothing more to that host) or on this machine (local emulators): the
    // gateway's ambient identity (DefaultAzureCredential) never gets a token for a resource that
    // an arbitrary vault_url names.
    disableChallengeResourceVerification:
      !KEY_VAULT_HOSTS.test(url.hostname) &&
      (hasServicePrincipal(options) || LOOPBACK_HOST.test(url.hostname)),
    allowInsecureConnection: Boolean(options.allowInsecure),
    retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    additionalPolicies: [{ policy: nextLinkPolicy, position: 'perCall' }],
  });
  const signal = () => ({ abortSignal: AbortSignal.timeout(options.timeoutMs) });

  async function exists(name: string): Promise<boolean> {
    try {
      await client.getSecret(name, signal());
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  return {
    kind: 'azure',
    async create(entry) {
      checkName(entry.name);
      checkTags(entry.metadata);
      // setSecret overwrites; Key Vault has no create-only call, so check first.
      if (await exists(entry.name))
        throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
      try {
        await client.setSecret(entry.name, payloadFromValues(entry.values), {
          tags: { ...entry.metadata },
          ...signal(),
        });
      } catch (error) {
        // Deleted by another tool but not purged: the name stays taken until purged or recovered.
        if (statusOf(error) === 409)
          throw new AlreadyExistsError(
            `Secret entry "${entry.name}" is deleted but recoverable in Azure Key Vault (${codeOf(error) ?? 'Conflict'})`,
          );
        throw error;
      }
    },
    async get(name) {
      if (!NAME_RULE.test(name)) return undefined;
      try {
        const secret = await client.getSecret(name, signal());
        return {
          name: secret.name,
          values: valuesFromPayload(secret.value ?? ''),
          metadata: metadataOf(secret.properties),
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async update(entry) {
      checkName(entry.name);
      checkTags(entry.metadata);
      if (!(await exists(entry.name))) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
      // A new version; Key Vault keeps tags per version, so the new one carries the metadata.
      await client.setSecret(entry.name, payloadFromValues(entry.values), {
        tags: { ...entry.metadata },
        ...signal(),
      });
    },
    async delete(name) {
      if (!NAME_RULE.test(name)) return false;
      try {
        const poller = await client.beginDeleteSecret(name, { intervalInMs: DELETE_POLL_MS, ...signal() });
        await poller.pollUntilDone();
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
      try {
        // Purge, so the name can be re-created at once (a soft-deleted name stays taken).
        await client.purgeDeletedSecret(name, signal());
      } catch (error) {
        // 403: purge protection or no purge permission; the secret is deleted all the same.
        if (statusOf(error) !== 403 && statusOf(error) !== 404) throw error;
      }
      return true;
    },
    async list(query) {
      const maxPageSize = Math.max(1, Math.min(query.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
      const pages = client
        .listPropertiesOfSecrets(signal())
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
    },
  };
}
