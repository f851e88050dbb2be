import { createPathScoping } from './path-scoping.js';

/**
 * AWS Secrets Manager (ZenML `integrations/aws/secrets_managers/aws_secrets_manager.py`,
 * `flavors/aws_secrets_manager_flavor.py`): name `zenml/<scope>[/<uuid or ns>]/<name>` (bare
 * name for none), tags = full metadata, value = JSON of content + `zenml_schema_name`.
 * Listing: scope tags + name prefix; scope none: `tag-key: !zenml_scope`.
 */
export const awsScoping = createPathScoping({
  flavor: 'aws',
  where: 'AWS secrets manager',
  nameRule: {
    pattern: /^[a-zA-Z0-9_+=.@-]+$/,
    description:
      'AWS secret names and namespaces may contain only letters, digits and the characters _+=.@- ([a-zA-Z0-9_+=.@-]+; / separates scopes)',
  },
  maxBackendNameLength: 512,
  writesMetadata: true,
  metadataValueRule: {
    pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
    maxLength: 256,
    description:
      'AWS tag values may contain only letters, digits, spaces and _.:/=+-@ and be at most 256 characters',
  },
});
