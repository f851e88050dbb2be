import type { FieldSpec } from '../schemas/field-spec.js';
import type { ComponentType } from './component-types.js';
import { localSecretsFileProblem } from './local-secrets-file.js';

/** A component flavor: its configuration fields and whether it supports secret scoping. */
export interface Flavor {
  name: string;
  type: ComponentType;
  integration: string;
  supportsScoping: boolean;
  configFields: FieldSpec[];
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

const secretsManager = (
  name: string,
  integration: string,
  supportsScoping: boolean,
  fields: FieldSpec[],
): Flavor => ({
  name,
  type: 'SECRETS_MANAGER',
  integration,
  supportsScoping,
  configFields: [...fields, ...SCOPE_FIELDS],
});

const FLAVORS: Flavor[] = [
  secretsManager('local', 'built-in', false, [
    field('secrets_file', {
      description: 'relative to SGW_DATA_DIR (default <component id>/secrets.yaml)',
      check: localSecretsFileProblem,
    }),
  ]),
  secretsManager('aws', 'aws', true, [
    required('region_name'),
    field('endpoint_url'),
    field('aws_access_key_id'),
    sensitive('aws_secret_access_key'),
    sensitive('aws_session_token'),
  ]),
  secretsManager('gcp', 'gcp', true, [
    required('project_id'),
    field('api_endpoint', { description: 'host:port' }),
    bool('insecure'),
    sensitive('credentials_json'),
  ]),
  secretsManager('azure', 'azure', true, [
    required('key_vault_name'),
    field('vault_url'),
    field('tenant_id'),
    field('client_id'),
    sensitive('client_secret'),
    bool('allow_insecure'),
  ]),
  secretsManager('vault', 'vault', true, [
    required('url'),
    sensitive('token', { required: true }),
    field('mount_point', { default: 'secret' }),
    field('vault_namespace'),
    field('ca_cert'),
  ]),
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
