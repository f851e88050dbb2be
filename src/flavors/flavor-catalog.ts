import { awsOptions } from '../backends/aws/aws-options.js';
import { authorityHostProblem } from '../backends/azure/authority-host.js';
import { azureOptions } from '../backends/azure/azure-options.js';
import { servicePrincipalRule } from '../backends/azure/service-principal.js';
import type { FlavorOptions } from '../backends/backend-options.js';
import { gcpOptions } from '../backends/gcp/gcp-options.js';
import { serviceAccountKeyProblem } from '../backends/gcp/service-account-key.js';
import { localOptions } from '../backends/local/local-options.js';
import { vaultOptions } from '../backends/vault/vault-options.js';
import type { FieldSpec } from '../schemas/field-spec.js';
import type { ComponentType } from './component-types.js';
import { allOrNone, exactlyOneOf, type FieldRule, onlyWith } from './field-rules.js';
import { localSecretsFileProblem } from './local-secrets-file.js';
import { pemCertificateProblem } from './pem-certificate.js';

/** A component flavor: its configuration fields and whether it supports secret scoping. */
export interface Flavor {
  name: string;
  type: ComponentType;
  integration: string;
  supportsScoping: boolean;
  configFields: FieldSpec[];
  /** Rules over several fields (e.g. credentials that go together), checked at registration. */
  rules?: FieldRule[];
}

const field = (name: string, options: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  type: 'string',
  required: false,
  sensitive: false,
  ...options,
});
const required = (name: string, options: Partial<FieldSpec> = {}) =>
  field(name, { required: true, ...options });
const sensitive = (name: string, options: Partial<FieldSpec> = {}) =>
  field(name, { sensitive: true, ...options });
const bool = (name: string) => field(name, { type: 'boolean', default: false });

/** Fields every secrets manager takes. */
export const SCOPE_FIELDS: FieldSpec[] = [
  field('scope', { description: 'none | global | component | namespace' }),
  field('namespace', { description: 'required with scope namespace' }),
];

/**
 * A secrets manager flavor; its fields are sensitive where its back-end's options module says
 * (`sensitiveFields`: masked for every role, never sent to a re-pointed endpoint).
 */
const secretsManager = (
  name: string,
  integration: string,
  supportsScoping: boolean,
  options: Pick<FlavorOptions<unknown>, 'sensitiveFields'>,
  fields: FieldSpec[],
  rules: FieldRule[] = [],
): Flavor => ({
  name,
  type: 'SECRETS_MANAGER',
  integration,
  supportsScoping,
  configFields: [
    ...fields.map((spec) =>
      options.sensitiveFields.includes(spec.name) ? { ...spec, sensitive: true } : spec,
    ),
    ...SCOPE_FIELDS,
  ],
  rules,
});

const FLAVORS: Flavor[] = [
  secretsManager('local', 'built-in', false, localOptions, [
    field('secrets_file', {
      description: 'relative to SGW_DATA_DIR/local-secrets (default <component id>/secrets.yaml)',
      check: localSecretsFileProblem,
    }),
  ]),
  secretsManager(
    'aws',
    'aws',
    true,
    awsOptions,
    [
      required('region_name'),
      field('endpoint_url'),
      field('aws_access_key_id'),
      field('aws_secret_access_key'),
      field('aws_session_token'),
    ],
    [
      allOrNone(['aws_access_key_id', 'aws_secret_access_key'], "the SDK's default credential chain"),
      onlyWith('aws_session_token', ['aws_access_key_id', 'aws_secret_access_key']),
    ],
  ),
  secretsManager('gcp', 'gcp', true, gcpOptions, [
    required('project_id'),
    field('api_endpoint', { description: 'host:port' }),
    bool('insecure'),
    field('credentials_json', {
      description: 'service-account key (JSON); unset: application default credentials',
      check: serviceAccountKeyProblem,
    }),
    field('ca_cert', {
      description: 'PEM certificate to trust for api_endpoint',
      check: pemCertificateProblem,
    }),
  ]),
  secretsManager(
    'azure',
    'azure',
    true,
    azureOptions,
    [
      required('key_vault_name'),
      field('vault_url'),
      field('tenant_id'),
      field('client_id'),
      field('client_secret'),
      field('authority_host', {
        description:
          'Entra ID origin, e.g. https://login.microsoftonline.us; unset: AZURE_AUTHORITY_HOST or the public cloud',
        check: authorityHostProblem,
      }),
      bool('allow_insecure'),
    ],
    [servicePrincipalRule, onlyWith('authority_host', ['tenant_id', 'client_id', 'client_secret'])],
  ),
  secretsManager(
    'vault',
    'vault',
    true,
    vaultOptions,
    [
      required('url'),
      field('token', { description: 'or AppRole role_id + secret_id' }),
      field('role_id', { description: 'AppRole, with secret_id' }),
      field('secret_id', { description: 'AppRole, with role_id' }),
      field('approle_mount', { default: 'approle' }),
      field('mount_point', { default: 'secret' }),
      field('vault_namespace'),
      field('ca_cert'),
    ],
    [
      exactlyOneOf([['token'], ['role_id', 'secret_id']]),
      allOrNone(['role_id', 'secret_id'], 'sign in with token'),
    ],
  ),
  {
    name: 'local',
    type: 'ARTIFACT_STORE',
    integration: 'built-in',
    supportsScoping: false,
    configFields: [field('path')],
  },
  {
    name: 's3',
    type: 'ARTIFACT_STORE',
    integration: 's3',
    supportsScoping: false,
    configFields: [
      required('path'),
      sensitive('key'),
      sensitive('secret'),
      sensitive('token'),
      field('endpoint_url'),
    ],
  },
  {
    name: 'gcs',
    type: 'ARTIFACT_STORE',
    integration: 'gcp',
    supportsScoping: false,
    configFields: [required('path'), sensitive('credentials_json')],
  },
  {
    name: 'azure',
    type: 'ARTIFACT_STORE',
    integration: 'azure',
    supportsScoping: false,
    configFields: [
      required('path'),
      field('account_name'),
      sensitive('account_key'),
      sensitive('connection_string'),
    ],
  },
  { name: 'local', type: 'ORCHESTRATOR', integration: 'built-in', supportsScoping: false, configFields: [] },
  {
    name: 'kubernetes',
    type: 'ORCHESTRATOR',
    integration: 'kubernetes',
    supportsScoping: false,
    configFields: [field('kubernetes_context'), field('kubernetes_namespace')],
  },
  {
    name: 'default',
    type: 'CONTAINER_REGISTRY',
    integration: 'built-in',
    supportsScoping: false,
    configFields: [required('uri')],
  },
  {
    name: 'mlflow',
    type: 'EXPERIMENT_TRACKER',
    integration: 'mlflow',
    supportsScoping: false,
    configFields: [
      required('tracking_uri'),
      field('tracking_username'),
      sensitive('tracking_password'),
      sensitive('tracking_token'),
    ],
  },
];

/** Every flavor, optionally of one component type. */
export function listFlavors(type?: ComponentType | null): Flavor[] {
  return type ? FLAVORS.filter((f) => f.type === type) : [...FLAVORS];
}

/** The flavor of a type by name, or undefined. */
export function findFlavor(type: ComponentType, name: string): Flavor | undefined {
  return FLAVORS.find((f) => f.type === type && f.name === name);
}
