import type { SecretMetadata } from '../backends/backend.js';
import type { ScopeContext } from './scoping.js';

/** ZenML's `ZENML_SECRET_NAME_LABEL`. */
export const SECRET_NAME_KEY = 'zenml_secret_name';
/** The key whose presence marks a scoped secret; scope none lists entries without it. */
export const SCOPE_KEY = 'zenml_scope';

/**
 * Metadata identifying this scope, or one secret in it when a name is given
 * (`_get_secret_scope_metadata`), in ZenML's key order: `zenml_scope`, `zenml_secret_name`,
 * then `zenml_namespace` (namespace) or `zenml_component_uuid` (component). Empty for none.
 */
export function scopeMetadata(ctx: ScopeContext, secretName?: string): SecretMetadata {
  if (ctx.scope === 'none') return {};
  const metadata: SecretMetadata = { [SCOPE_KEY]: ctx.scope };
  if (secretName !== undefined) metadata[SECRET_NAME_KEY] = secretName;
  if (ctx.scope === 'namespace' && ctx.namespace) metadata.zenml_namespace = ctx.namespace;
  if (ctx.scope === 'component') metadata.zenml_component_uuid = ctx.componentId;
  return metadata;
}

/**
 * The tags/labels written with a secret (`_get_secret_metadata`): the scope metadata with the
 * name, then `zenml_component_name`, `zenml_component_uuid` (every scope, not only component:
 * a key already present keeps its place, as in Python's `dict.update`) and
 * `zenml_secret_schema`. Empty for scope none.
 */
export function secretMetadata(ctx: ScopeContext, secretName: string, schema: string): SecretMetadata {
  if (ctx.scope === 'none') return {};
  return {
    ...scopeMetadata(ctx, secretName),
    zenml_component_name: ctx.componentName,
    zenml_component_uuid: ctx.componentId,
    zenml_secret_schema: schema,
  };
}

/** True when `metadata` holds every key/value pair of `subset` (ZenML's `items() <=`). */
export function includesMetadata(metadata: SecretMetadata, subset: SecretMetadata): boolean {
  return Object.entries(subset).every(([key, value]) => metadata[key] === value);
}
