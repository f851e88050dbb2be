import type { BackendListQuery, SecretMetadata } from '../backends/backend.js';
import { checkRule, type NameRule, ruleError } from './name-rule.js';
import { validateScopeContext } from './scope-context.js';
import { includesMetadata, SCOPE_KEY, scopeMetadata, secretMetadata } from './scope-metadata.js';
import { scopedName, scopePrefix } from './scope-path.js';
import type { EntryLookup, FlavorScoping, ScopeContext, ScopedEntry } from './scoping.js';
import { singleEntry } from './single-entry.js';
import { splitSchemaName, storedMap, withSchemaName } from './zenml-payload.js';

/** ZenML's `ZENML_DEFAULT_SECRET_SCOPE_PATH_SEPARATOR`, used by AWS and Vault. */
export const PATH_SEPARATOR = '/';

export interface PathScopingOptions {
  flavor: 'aws' | 'vault';
  where: string;
  /** Rule for secret names and namespaces (ZenML's `validate_*_secret_name_or_namespace`). */
  nameRule: NameRule;
  /** Longest backend name the back-end takes, scope prefix included. */
  maxBackendNameLength?: number;
  /** AWS writes ZenML's metadata as tags; Vault (KV v2) wrote none. */
  writesMetadata: boolean;
  /** Rule for tag values (component name and UUID, schema). */
  metadataValueRule?: NameRule;
}

/**
 * Checks a secret name against the name rule and, where the back-end limits name length,
 * checks the full backend name (scope prefix included) against that limit.
 */
function validatePathName(options: PathScopingOptions, ctx: ScopeContext, secretName: string): void {
  const { where, nameRule } = options;
  checkRule('secret name', secretName, where, 'name', nameRule);
  const max = options.maxBackendNameLength;
  if (max !== undefined) {
    const backendName = scopedName(ctx, secretName, PATH_SEPARATOR);
    if (backendName.length > max) {
      const rule = `backend secret names are at most ${max} characters, scope prefix included ("${backendName}" has ${backendName.length})`;
      throw ruleError('secret name', secretName, where, 'name', rule);
    }
  }
}

/**
 * The metadata (tags) written with a secret: none when the back-end writes no metadata;
 * otherwise ZenML's secret metadata, after checking the schema against the tag value rule
 * (not for scope none).
 */
function pathEntryMetadata(
  options: PathScopingOptions,
  ctx: ScopeContext,
  secretName: string,
  schema: string,
): SecretMetadata {
  if (!options.writesMetadata) return {};
  if (ctx.scope !== 'none' && options.metadataValueRule) {
    checkRule('schema', schema, options.where, 'schema', options.metadataValueRule);
  }
  return secretMetadata(ctx, secretName, schema);
}

/**
 * The list query for a scope: by name prefix alone when no metadata is written; by a missing
 * `zenml_scope` tag for scope none; else by name prefix and scope metadata.
 */
function pathListQuery(options: PathScopingOptions, ctx: ScopeContext): BackendListQuery {
  if (!options.writesMetadata) {
    const namePrefix = scopePrefix(ctx, PATH_SEPARATOR);
    return namePrefix ? { namePrefix } : {};
  }
  if (ctx.scope === 'none') return { withoutMetadataKey: SCOPE_KEY };
  return { namePrefix: scopePrefix(ctx, PATH_SEPARATOR), metadata: scopeMetadata(ctx) };
}

/**
 * The secret name of a backend entry in this scope: the scope prefix plus one path element,
 * and, where tags are written, tags matching the scope (scope none: no `zenml_scope` tag);
 * undefined for an entry outside the scope.
 */
function pathSecretNameOf(
  options: PathScopingOptions,
  ctx: ScopeContext,
  entry: { name: string; metadata: SecretMetadata },
): string | undefined {
  const prefix = scopePrefix(ctx, PATH_SEPARATOR);
  if (!entry.name.startsWith(prefix)) return undefined;
  const secretName = entry.name.slice(prefix.length);
  if (!secretName || secretName.includes(PATH_SEPARATOR)) return undefined;
  if (options.writesMetadata) {
    if (ctx.scope === 'none') {
      if (Object.hasOwn(entry.metadata, SCOPE_KEY)) return undefined;
    } else if (!includesMetadata(entry.metadata, scopeMetadata(ctx))) {
      return undefined;
    }
  }
  return secretName;
}

/**
 * Scoping for back-ends whose names are paths: `zenml/<scope>[/<uuid or ns>]/<name>`, and the
 * bare name for scope none. A name belongs to a scope when it is the scope prefix plus one
 * path element (ZenML's `_get_secret_name_from_path`), and, where tags are written, when the
 * tags hold the scope metadata (scope none: no `zenml_scope` tag).
 */
export function createPathScoping(options: PathScopingOptions): FlavorScoping {
  const validateContext = (ctx: ScopeContext): void =>
    validateScopeContext(ctx, {
      where: options.where,
      supportsScoping: true,
      namespaceRule: options.nameRule,
      metadataValueRule: options.writesMetadata ? options.metadataValueRule : undefined,
    });

  const validateName = (ctx: ScopeContext, secretName: string): void =>
    validatePathName(options, ctx, secretName);

  return {
    flavor: options.flavor,
    supportsScoping: true,
    validateContext,
    validateName,

    toEntries(ctx, secretName, schema, values): ScopedEntry[] {
      validateContext(ctx);
      validateName(ctx, secretName);
      const metadata = pathEntryMetadata(options, ctx, secretName, schema);
      return [
        {
          name: scopedName(ctx, secretName, PATH_SEPARATOR),
          values: withSchemaName(values, schema),
          metadata,
        },
      ];
    },

    entryLookup(ctx, secretName): EntryLookup {
      return { by: 'name', names: [scopedName(ctx, secretName, PATH_SEPARATOR)] };
    },

    listQuery(ctx): BackendListQuery {
      return pathListQuery(options, ctx);
    },

    secretNameOf(ctx, entry) {
      return pathSecretNameOf(options, ctx, entry);
    },

    fromEntries(entries) {
      const entry = singleEntry(entries);
      return splitSchemaName(storedMap(entry.name, entry.values));
    },
  };
}
