import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config, SecretsStoreKind } from '../config.js';
import { missingFromGroup } from '../flavors/field-rules.js';
import { createAwsBackend } from './aws/aws-backend.js';
import { createAzureBackend } from './azure/azure-backend.js';
import type { SecretBackend, SecretMetadata } from './backend.js';
import { type CentralStore, createSqlCentralStore } from './central-store.js';
import { createGcpBackend } from './gcp/gcp-backend.js';
import { serviceAccountKeyProblem } from './gcp/service-account-key.js';
import { guardBackend } from './guard-backend.js';
import { createVaultBackend } from './vault/vault-backend.js';

/** The store kinds served by a remote or pluggable back-end (everything but `sql`). */
export type RemoteStoreKind = Exclude<SecretsStoreKind, 'sql'>;

/** A secrets store that could not be set up; the message names the store and the reason. */
export class SecretsStoreInitError extends Error {
  constructor(
    readonly kind: string,
    reason: string,
  ) {
    super(`Secrets store "${kind}" failed to initialise: ${reason}`);
    this.name = 'SecretsStoreInitError';
  }
}

/** What a custom store module exports (default export or `createSecretBackend`). */
export type SecretBackendFactory = (
  options: Record<string, string>,
) => SecretBackend | Promise<SecretBackend>;

const TRUE_TEXT = new Set(['1', 'true', 'yes', 'on']);
const BACKEND_METHODS = ['create', 'get', 'update', 'delete', 'list'] as const;

function flag(value: string | undefined): boolean {
  return value !== undefined && TRUE_TEXT.has(value.trim().toLowerCase());
}

function required(options: Record<string, string>, ...names: string[]): string {
  for (const name of names) if (options[name]) return options[name];
  throw new Error(`option ${names[0]} is required (${variable(names[0])})`);
}

function firstOf(options: Record<string, string>, ...names: string[]): string | undefined {
  for (const name of names) if (options[name]) return options[name];
  return undefined;
}

const variable = (name: string) => `SGW_SECRETS_STORE_${name.toUpperCase()}`;

/**
 * Options that go together (a key and its secret, a service principal): all or none, else an
 * Error naming them and their variables; `none` says what giving none means, where it means more.
 */
function together(options: Record<string, string | undefined>, names: string[], none?: string): void {
  if (missingFromGroup(options, names).length === 0) return;
  const rule = none
    ? `${names.join(', ')} go together, or none for ${none}`
    : `${names.join(' and ')} go together`;
  throw new Error(`options ${rule} (${names.map(variable).join(', ')})`);
}

/** A Vault token, or AppRole role_id + secret_id (+ approle_mount): exactly one of them. */
function vaultSignIn(options: Record<string, string>) {
  together(options, ['role_id', 'secret_id']);
  const token = firstOf(options, 'vault_token', 'token');
  if (token && options.role_id) throw new Error('give option vault_token or role_id and secret_id, not both');
  if (token) return { token };
  if (options.role_id) {
    const mount = firstOf(options, 'approle_mount');
    return { appRole: { roleId: options.role_id, secretId: options.secret_id, mount } };
  }
  throw new Error(
    `option vault_token (or role_id and secret_id) is required (${variable('vault_token')}, or ${variable('role_id')} and ${variable('secret_id')})`,
  );
}

/**
 * An Azure service principal (tenant_id, client_id, client_secret, or their azure_ names): all
 * three or none (the default Azure credential), and an optional authority_host.
 */
function azureSignIn(options: Record<string, string>) {
  const signIn = {
    tenantId: firstOf(options, 'tenant_id', 'azure_tenant_id'),
    clientId: firstOf(options, 'client_id', 'azure_client_id'),
    clientSecret: firstOf(options, 'client_secret', 'azure_client_secret'),
  };
  const given = {
    tenant_id: signIn.tenantId,
    client_id: signIn.clientId,
    client_secret: signIn.clientSecret,
  };
  together(given, ['tenant_id', 'client_id', 'client_secret'], 'the default Azure credential');
  return { ...signIn, authorityHost: firstOf(options, 'authority_host') };
}

/** Credentials and tokens among the options, scrubbed from any back-end message. */
function sensitiveOptions(options: Record<string, string>): string[] {
  return Object.entries(options)
    .filter(([name]) => /secret|token|password|credentials|key_id/.test(name))
    .map(([, value]) => value);
}

/** Loads a custom store module: `path/to/module[#exportName]`, relative to `cwd` or absolute. */
async function loadCustomFactory(classPath: string, cwd: string): Promise<SecretBackendFactory> {
  const hash = classPath.lastIndexOf('#');
  const modulePath = hash > 0 ? classPath.slice(0, hash) : classPath;
  const exportName = hash > 0 ? classPath.slice(hash + 1) : undefined;
  const url = pathToFileURL(path.resolve(cwd, modulePath)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot load class_path "${classPath}": ${(error as Error).message.split('\n')[0]}`);
  }
  const factory = exportName ? loaded[exportName] : (loaded.createSecretBackend ?? loaded.default);
  if (typeof factory !== 'function') {
    throw new Error(
      `class_path "${classPath}" exports no factory (${exportName ? `export "${exportName}"` : 'a default export or createSecretBackend'} must be a function returning a SecretBackend)`,
    );
  }
  return factory as SecretBackendFactory;
}

function checkBackend(backend: unknown, classPath: string): SecretBackend {
  const candidate = backend as Partial<Record<string, unknown>> | undefined;
  const missing = BACKEND_METHODS.filter((method) => typeof candidate?.[method] !== 'function');
  if (!candidate || missing.length > 0) {
    throw new Error(
      `the factory of "${classPath}" did not return a SecretBackend (missing ${missing.join(', ') || 'object'})`,
    );
  }
  return candidate as unknown as SecretBackend;
}

/**
 * A guarded back-end for a store kind from its options (`SGW_SECRETS_STORE_<OPTION>` names in
 * lower case). Throws a plain Error naming the missing or bad option; callers wrap it.
 */
export async function createSecretBackendForKind(
  kind: RemoteStoreKind,
  options: Record<string, string>,
  timeoutMs: number,
  context: { cwd?: string } = {},
): Promise<SecretBackend> {
  let backend: SecretBackend;
  switch (kind) {
    case 'aws':
      together(options, ['aws_access_key_id', 'aws_secret_access_key']);
      backend = createAwsBackend({
        region: required(options, 'region_name', 'region'),
        endpoint: firstOf(options, 'endpoint_url'),
        accessKeyId: firstOf(options, 'aws_access_key_id'),
        secretAccessKey: firstOf(options, 'aws_secret_access_key'),
        sessionToken: firstOf(options, 'aws_session_token'),
        timeoutMs,
      });
      break;
    case 'gcp': {
      const credentialsJson = firstOf(options, 'credentials_json');
      const problem = serviceAccountKeyProblem(credentialsJson ?? '');
      if (problem) throw new Error(`option credentials_json ${problem}`);
      backend = createGcpBackend({
        projectId: required(options, 'project_id'),
        apiEndpoint: firstOf(options, 'api_endpoint'),
        insecure: flag(options.insecure),
        credentialsJson,
        caCert: firstOf(options, 'ca_cert'),
        timeoutMs,
      });
      break;
    }
    case 'azure': {
      const vaultUrl =
        firstOf(options, 'vault_url') ?? `https://${required(options, 'key_vault_name')}.vault.azure.net`;
      backend = createAzureBackend({
        vaultUrl,
        ...azureSignIn(options),
        allowInsecure: flag(options.allow_insecure),
        timeoutMs,
      });
      break;
    }
    case 'hashicorp':
      backend = createVaultBackend({
        url: required(options, 'vault_addr', 'url'),
        ...vaultSignIn(options),
        mountPoint: firstOf(options, 'mount_point'),
        namespace: firstOf(options, 'vault_namespace', 'namespace'),
        caCert: firstOf(options, 'ca_cert'),
        timeoutMs,
      });
      break;
    case 'custom': {
      const classPath = required(options, 'class_path');
      const factory = await loadCustomFactory(classPath, context.cwd ?? process.cwd());
      const { class_path: _classPath, ...rest } = options;
      backend = checkBackend(await factory(rest), classPath);
      break;
    }
    default:
      throw new Error(`unknown secrets store kind "${String(kind)}"`);
  }
  return guardBackend(backend, { kind, timeoutMs, sensitive: sensitiveOptions(options) });
}

/** Backend-native name of a ZenML secret id in each store, as ZenML named them. */
const ENTRY_NAMES: Record<RemoteStoreKind, (id: string) => string> = {
  aws: (id) => `zenml/${id}`,
  gcp: (id) => `zenml-${id}`,
  azure: (id) => `zenml-${id}`,
  hashicorp: (id) => `zenml/${id}`,
  custom: (id) => id,
};

/** GCP label values: at most 63 of lowercase letters, digits, `_` and `-`. */
const gcpLabelValue = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{Ll}\p{Lo}\p{N}_-]/gu, '_')
    .slice(0, 63);

/** AWS tag values: at most 256 of letters, digits, spaces and `+ - = . _ : / @`. */
const awsTagValue = (text: string) => text.replace(/[^\p{L}\p{N}\s+\-=._:/@]/gu, '_').slice(0, 256);

/** Azure tag values: at most 256 characters. */
const azureTagValue = (text: string) => text.slice(0, 256);

const TAG_VALUE: Record<RemoteStoreKind, (text: string) => string> = {
  aws: awsTagValue,
  gcp: gcpLabelValue,
  azure: azureTagValue,
  hashicorp: (text) => text,
  custom: (text) => text,
};

/**
 * ZenML's secret metadata (tags, labels or Vault custom metadata): `zenml` marks the entry as a
 * gateway secret, then id, name, scope and owning user, each value fitted to the back-end's
 * tag/label rules (GCP: lowercase).
 */
function zenmlMetadata(
  kind: RemoteStoreKind,
  secret: { id: string; name: string; scope: string; ownerId: string },
): SecretMetadata {
  const fitted = TAG_VALUE[kind];
  return {
    zenml: 'true',
    zenml_secret_id: fitted(secret.id),
    zenml_secret_name: fitted(secret.name),
    zenml_secret_scope: fitted(secret.scope.toLowerCase()),
    zenml_secret_user: fitted(secret.ownerId),
  };
}

/**
 * The centralized secrets store chosen by SGW_SECRETS_STORE: the given SQL back-end, or a cloud,
 * Vault or custom back-end configured by SGW_SECRETS_STORE_<OPTION>, guarded by
 * config.backendTimeoutMs. Throws SecretsStoreInitError ("Secrets store "<kind>" failed to
 * initialise: …") when the store can't be set up.
 */
export async function createCentralStore(
  config: Config,
  deps: { sqlBackend: SecretBackend; cwd?: string },
): Promise<CentralStore> {
  const kind = config.secretsStore;
  if (kind === 'sql') return createSqlCentralStore(deps.sqlBackend);
  let backend: SecretBackend;
  try {
    backend = await createSecretBackendForKind(kind, config.secretsStoreOptions, config.backendTimeoutMs, {
      cwd: deps.cwd,
    });
  } catch (error) {
    throw new SecretsStoreInitError(kind, error instanceof Error ? error.message : String(error));
  }
  return {
    kind,
    backend,
    entryName: ENTRY_NAMES[kind],
    entryMetadata: (secret) => zenmlMetadata(kind, secret),
  };
}
