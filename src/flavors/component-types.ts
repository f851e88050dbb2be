export const COMPONENT_TYPES = [
  'ORCHESTRATOR',
  'ARTIFACT_STORE',
  'CONTAINER_REGISTRY',
  'SECRETS_MANAGER',
  'EXPERIMENT_TRACKER',
] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const SECRETS_MANAGER_SCOPES = ['none', 'global', 'component', 'namespace'] as const;
export type SecretsManagerScope = (typeof SECRETS_MANAGER_SCOPES)[number];
