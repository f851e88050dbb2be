import { ROLES } from '../auth/roles.js';
import { COMPONENT_TYPES } from '../flavors/component-types.js';
import { SECRET_SCOPES } from '../services/secrets/secret.js';
import { builder } from './builder.js';

export const ComponentTypeEnum = builder.enumType('ComponentType', { values: COMPONENT_TYPES });
export const SecretsManagerScopeEnum = builder.enumType('SecretsManagerScope', {
  values: ['NONE', 'GLOBAL', 'COMPONENT', 'NAMESPACE'] as const,
});
export const SecretScopeEnum = builder.enumType('SecretScope', { values: SECRET_SCOPES });
export const RoleEnum = builder.enumType('Role', { values: ROLES });
