import { BadUserInputError } from '../errors.js';
import type { ScopeContext } from './scoping.js';

/** ZenML's `ZENML_SCOPE_PATH_PREFIX`: the first element of every scoped path. */
export const SCOPE_PATH_PREFIX = 'zenml';

/**
 * ZenML's scope path (`_get_scope_path`): `[]` for scope none, otherwise
 * `["zenml", scope]` plus the component UUID (component) or the namespace (namespace).
 * BAD_USER_INPUT when scope namespace comes without a namespace.
 */
export function scopePath(ctx: ScopeContext): string[] {
  switch (ctx.scope) {
    case 'none':
      return [];
    case 'global':
      return [SCOPE_PATH_PREFIX, 'global'];
    case 'component':
      return [SCOPE_PATH_PREFIX, 'component', ctx.componentId];
    case 'namespace':
      if (!ctx.namespace) {
        throw new BadUserInputError('A namespace is required for a namespace scoped secrets manager', [
          { path: 'namespace', message: 'required when scope is namespace' },
        ]);
      }
      return [SCOPE_PATH_PREFIX, 'namespace', ctx.namespace];
  }
}

/** Scope path plus secret name joined by the flavor's separator (`_get_scoped_secret_name`). */
export function scopedName(ctx: ScopeContext, secretName: string, separator: string): string {
  return [...scopePath(ctx), secretName].join(separator);
}

/**
 * What every scoped name of this scope starts with: the joined scope path and a trailing
 * separator (`_get_scoped_secret_name_prefix`), or '' for scope none.
 */
export function scopePrefix(ctx: ScopeContext, separator: string): string {
  const path = scopePath(ctx);
  return path.length ? path.join(separator) + separator : '';
}
