import { BadUserInputError } from '../errors.js';
import { checkRule, type NameRule } from './name-rule.js';
import type { ScopeContext } from './scoping.js';

export interface ContextRules {
  /** e.g. "GCP secrets manager", used in messages. */
  where: string;
  supportsScoping: boolean;
  /** Rule for the namespace (ZenML validates it like a secret name, whatever the scope). */
  namespaceRule?: NameRule;
  /** Azure's `validate_azure_secret_name_or_namespace` skips every check with scope none. */
  namespaceUncheckedWithScopeNone?: boolean;
  /** Rule for values stored in tags/labels (component name and UUID) when the scope writes metadata. */
  metadataValueRule?: NameRule;
}

/**
 * ZenML's scope checks (`scope_initializer`, `namespace_validator`, `_validate_scope`) plus the
 * back-end's tag/label limits for the component values the metadata carries.
 */
export function validateScopeContext(ctx: ScopeContext, rules: ContextRules): void {
  if (!rules.supportsScoping && ctx.scope !== 'none') {
    throw new BadUserInputError(`The ${rules.where} does not support scoping`, [
      { path: 'scope', message: `the ${rules.where} does not support scoping; scope must be none` },
    ]);
  }
  if (ctx.scope === 'namespace' && !ctx.namespace) {
    throw new BadUserInputError('A namespace is required for a namespace scoped secrets manager', [
      { path: 'namespace', message: 'required when scope is namespace' },
    ]);
  }
  // `_validate_scope`: a namespace given is checked on every scope (Azure: not with scope none).
  const namespaceChecked = ctx.scope !== 'none' || !rules.namespaceUncheckedWithScopeNone;
  if (ctx.namespace && rules.namespaceRule && namespaceChecked) {
    checkRule('namespace', ctx.namespace, rules.where, 'namespace', rules.namespaceRule);
  }
  if (ctx.scope !== 'none' && rules.metadataValueRule) {
    checkRule('component name', ctx.componentName, rules.where, 'componentName', rules.metadataValueRule);
    checkRule('component id', ctx.componentId, rules.where, 'componentId', rules.metadataValueRule);
  }
}
