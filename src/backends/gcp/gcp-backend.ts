import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { AlreadyExistsError, BackendError, BadUserInputError, NotFoundError } from '../../errors.js';
import {
  matchesListQuery,
  payloadFromValues,
  type SecretBackend,
  type SecretMetadata,
  valuesFromPayload,
} from '../backend.js';
import { type GcpConnectionOptions, gcpClientOptions } from './gcp-client-options.js';
import { signInProblem } from './google-call-credentials.js';
import { ServiceAccountKeyError } from './service-account-key.js';

export interface GcpBackendOptions extends GcpConnectionOptions {
  /** Deadline of every RPC, in milliseconds. */
  timeoutMs: number;
}

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const GRPC_FAILED_PRECONDITION = 9;

const SECRET_ID_RULE = /^[A-Za-z0-9_-]{1,255}$/;
const LABEL_KEY_RULE = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE_RULE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const MAX_LABELS = 64;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 25_000;

function grpcCode(error: unknown): number | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

function checkSecretId(name: string): void {
  if (!SECRET_ID_RULE.test(name)) {
    throw new BadUserInputError(`"${name}" is not a valid GCP secret id: 1-255 characters of [A-Za-z0-9_-]`, [
      { path: 'name', message: 'GCP secret ids are 1-255 characters of [A-Za-z0-9_-]' },
    ]);
  }
}

function checkLabels(metadata: SecretMetadata): void {
  const entries = Object.entries(metadata);
  const issues = [];
  if (entries.length > MAX_LABELS)
    issues.push({ path: 'metadata', message: `GCP allows at most ${MAX_LABELS} labels per secret` });
  for (const [key, value] of entries) {
    if (!LABEL_KEY_RULE.test(key))
      issues.push({
        path: `metadata.${key}`,
        message:
          'GCP label keys are 1-63 lowercase letters, digits, _ or -, starting with a lowercase letter',
      });
    if (!LABEL_VALUE_RULE.test(value))
      issues.push({
        path: `metadata.${key}`,
        message: 'GCP label values are 0-63 lowercase letters, digits, _ or -',
      });
  }
  if (issues.length > 0) throw new BadUserInputError('Metadata does not fit GCP label rules', issues);
}

/** Label keys safe to name in a filter: `-` would read as an operator in the filter grammar. */
const FILTERABLE_KEY = /^[a-z][a-z0-9_]{0,62}$/;

const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;

/** A ListSecrets filter narrowing the listing server-side; results are re-checked exactly. */
function filterFor(query: {
  namePrefix?: string;
  metadata?: SecretMetadata;
  withoutMetadataKey?: string;
}): string {
  const terms: string[] = [];
  if (query.namePrefix && SECRET_ID_RULE.test(query.namePrefix))
    terms.push(`name:${quote(query.namePrefix)}`);
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (FILTERABLE_KEY.test(key) && LABEL_VALUE_RULE.test(value)) terms.push(`labels.${key}=${quote(value)}`);
  }
  if (query.withoutMetadataKey && FILTERABLE_KEY.test(query.withoutMetadataKey))
    terms.push(`NOT labels.${query.withoutMetadataKey}:*`);
  return terms.join(' AND ');
}

function payloadText(data: Uint8Array | string | null | undefined): string {
  if (data === null || data === undefined) return '';
  return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
}

const labelsOf = (labels: Record<string, string> | null | undefined): SecretMetadata => ({
  ...(labels ?? {}),
});

function sameMetadata(a: SecretMetadata, b: SecretMetadata): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

/** The client for `options`; a credentialsJson that is no service-account key is BAD_USER_INPUT. */
function clientFor(options: GcpBackendOptions): SecretManagerServiceClient {
  try {
    return new SecretManagerServiceClient(gcpClientOptions(options));
  } catch (error) {
    if (!(error instanceof ServiceAccountKeyError)) throw error;
    throw new BadUserInputError(`GCP credentials_json ${error.message}`, [
      { path: 'configuration.credentials_json', message: error.message },
    ]);
  }
}

/** A back-end whose calls refused for their credentials fail with BACKEND_ERROR in our words. */
function explainingSignIn(backend: SecretBackend): SecretBackend {
  const explained =
    <A extends unknown[], T>(method: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      try {
        return await method(...args);
      } catch (error) {
        const problem = signInProblem(error);
        throw problem ? new BackendError(`gcp back-end could not sign in: ${problem}`) : error;
      }
    };
  return {
    ...backend,
    create: explained(backend.create),
    get: explained(backend.get),
    update: explained(backend.update),
    delete: explained(backend.delete),
    list: explained(backend.list),
  };
}

/**
 * The `gcp` back-end (GCP Secret Manager): create = CreateSecret (labels = metadata) +
 * AddSecretVersion; get = GetSecret + AccessSecretVersion `latest`; update adds a version (and
 * updates the labels when they changed); listing pages with the real page token and a label filter.
 * Sign-in: see gcpClientOptions; a call refused for its credentials fails with BACKEND_ERROR in our
 * words. Throws BadUserInputError for a credentialsJson that is no service-account key.
 */
export function createGcpBackend(options: GcpBackendOptions): SecretBackend {
  const client = clientFor(options);
  const parent = `projects/${options.projectId}`;
  const secretPath = (name: string) => `${parent}/secrets/${name}`;
  const call = () => ({ timeout: options.timeoutMs, maxRetries: 0 });

  async function addVersion(name: string, values: Record<string, string>): Promise<void> {
    await client.addSecretVersion(
      { parent: secretPath(name), payload: { data: Buffer.from(payloadFromValues(values), 'utf8') } },
      call(),
    );
  }

  async function getSecret(name: string) {
    try {
      const [secret] = await client.getSecret({ name: secretPath(name) }, call());
      return secret;
    } catch (error) {
      if (grpcCode(error) === GRPC_NOT_FOUND) return undefined;
      throw error;
    }
  }

  return explainingSignIn({
    kind: 'gcp',
    async create(entry) {
      checkSecretId(entry.name);
      checkLabels(entry.metadata);
      try {
        await client.createSecret(
          {
            parent,
            secretId: entry.name,
            secret: { replication: { automatic: {} }, labels: { ...entry.metadata } },
          },
          call(),
        );
      } catch (error) {
        if (grpcCode(error) === GRPC_ALREADY_EXISTS)
          throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
        throw error;
      }
      try {
        await addVersion(entry.name, entry.values);
      } catch (error) {
        // Don't leave a secret without a value behind; the caller may simply retry the create.
        await client.deleteSecret({ name: secretPath(entry.name) }, call()).catch(() => undefined);
        throw error;
      }
    },
    async get(name) {
      if (!SECRET_ID_RULE.test(name)) return undefined;
      try {
        const [[secret], [version]] = await Promise.all([
          client.getSecret({ name: secretPath(name) }, call()),
          client.accessSecretVersion({ name: `${secretPath(name)}/versions/latest` }, call()),
        ]);
        return {
          name,
          values: valuesFromPayload(payloadText(version.payload?.data)),
          metadata: labelsOf(secret.labels as Record<string, string> | undefined),
        };
      } catch (error) {
        // NOT_FOUND: no secret or no version; FAILED_PRECONDITION: latest version disabled/destroyed.
        const code = grpcCode(error);
        if (code === GRPC_NOT_FOUND || code === GRPC_FAILED_PRECONDITION) return undefined;
        throw error;
      }
    },
    async update(entry) {
      checkSecretId(entry.name);
      checkLabels(entry.metadata);
      const secret = await getSecret(entry.name);
      if (!secret) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
      try {
        await addVersion(entry.name, entry.values);
      } catch (error) {
        if (grpcCode(error) === GRPC_NOT_FOUND)
          throw new NotFoundError(`Secret entry "${entry.name}" not found`);
        throw error;
      }
      if (!sameMetadata(labelsOf(secret.labels as Record<string, string> | undefined), entry.metadata)) {
        await client.updateSecret(
          {
            secret: { name: secretPath(entry.name), labels: { ...entry.metadata } },
            updateMask: { paths: ['labels'] },
          },
          call(),
        );
      }
    },
    async delete(name) {
      if (!SECRET_ID_RULE.test(name)) return false;
      try {
        await client.deleteSecret({ name: secretPath(name) }, call());
        return true;
      } catch (error) {
        if (grpcCode(error) === GRPC_NOT_FOUND) return false;
        throw error;
      }
    },
    async list(query) {
      const pageSize = Math.max(1, Math.min(query.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
      const [secrets, , response] = await client.listSecrets(
        { parent, pageSize, pageToken: query.pageToken, filter: filterFor(query) },
        { ...call(), autoPaginate: false },
      );
      // Google answers with the project number in resource names, so take the last segment.
      const entries = secrets
        .map((secret) => ({
          name: /\/secrets\/([^/]+)$/.exec(secret.name ?? '')?.[1] ?? '',
          metadata: labelsOf(secret.labels as Record<string, string> | undefined),
        }))
        .filter((entry) => entry.name !== '' && matchesListQuery(entry, query));
      return { entries, nextPageToken: response?.nextPageToken || undefined };
    },
    async close() {
      await client.close();
    },
  });
}
