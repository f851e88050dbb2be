import { z } from 'zod';
import { BadUserInputError, type InputIssue, issuesFromZod } from '../../errors.js';
import {
  COMPONENT_TYPES,
  type ComponentType,
  type SecretsManagerScope,
} from '../../flavors/component-types.js';
import { configurationLimitIssues } from '../../flavors/configuration-limits.js';
import { findFlavor, listFlavors } from '../../flavors/flavor-catalog.js';
import { type ValidatedConfiguration, validateConfiguration } from '../../flavors/validate-configuration.js';
import { scopingFor } from '../../scoping/scoping.js';
import { addEndpointIssues } from '../../security/endpoint-checks.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import type { Component } from './component.js';
import { resourceNameSchema } from './resource-name.js';

/** Whether a value is a JSON object (not null, not an array). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

const componentTypeSchema = z.custom<ComponentType>(
  (value) => COMPONENT_TYPES.includes(value as ComponentType),
  `must be one of ${COMPONENT_TYPES.join(', ')}`,
);
const configurationSchema = z.custom<Record<string, unknown>>(isJsonObject, 'must be a JSON object');

/** BAD_USER_INPUT when a configuration object is over the size limits (checked before anything else). */
function checkConfigurationLimits(configuration: unknown, message: string): void {
  if (!isJsonObject(configuration)) return;
  const issues = configurationLimitIssues(configuration);
  if (issues.length) throw new BadUserInputError(message, issues);
}

/** The arguments of `registerComponent` that need no flavor to check. */
const registrationSchema = z.object({
  type: componentTypeSchema,
  name: resourceNameSchema,
  configuration: configurationSchema,
});

/** The arguments of `updateComponent` that need no stored component to check. */
const updateSchema = z.object({ type: componentTypeSchema, configuration: configurationSchema });

/** A new component as given by the caller. */
export interface ComponentRegistration {
  id: string;
  type: ComponentType;
  name: string;
  flavor: string;
  configuration: unknown;
}

/**
 * A secrets manager's scope as its back-end will take it (the namespace and the tag/label
 * values its metadata carries), checked when the component is saved rather than at first use.
 * Problems go to `issues`; skipped when there are problems already.
 */
function checkScopeContext(
  type: ComponentType,
  flavor: string,
  component: { id: string; name: string },
  configuration: Record<string, unknown>,
  issues: InputIssue[],
): void {
  if (type !== 'SECRETS_MANAGER' || issues.length > 0) return;
  try {
    scopingFor(flavor).validateContext({
      scope: configuration.scope as SecretsManagerScope,
      namespace: configuration.namespace as string | undefined,
      componentId: component.id,
      componentName: component.name,
    });
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    for (const issue of error.issues)
      issues.push({
        path: issue.path === 'componentName' ? 'name' : `configuration.${issue.path}`,
        message: issue.message,
      });
  }
}

/** A secrets manager's endpoints the policy refuses (none checked without a policy). */
function checkEndpoints(
  type: ComponentType,
  flavor: string,
  configuration: Record<string, unknown>,
  endpoints: EndpointPolicy | undefined,
  issues: InputIssue[],
): void {
  if (type === 'SECRETS_MANAGER' && endpoints) addEndpointIssues(flavor, configuration, endpoints, issues);
}

/**
 * The validated configuration of a new component; BAD_USER_INPUT listing every problem, an
 * endpoint `endpoints` refuses among them.
 */
export function validRegistration(
  input: ComponentRegistration,
  endpoints?: EndpointPolicy,
): ValidatedConfiguration {
  const { id, type, name, configuration } = input;
  checkConfigurationLimits(configuration, 'Invalid component');
  const parsed = registrationSchema.safeParse({ type, name, configuration });
  const issues = parsed.success ? [] : issuesFromZod(parsed.error.issues);
  const flavor = findFlavor(type, input.flavor);
  if (!flavor && !issues.some((i) => i.path === 'type')) {
    const known = listFlavors(type).map((f) => f.name);
    issues.push({
      path: 'flavor',
      message: `unknown ${type} flavor "${input.flavor}"; known: ${known.join(', ')}`,
    });
  }
  const object = isJsonObject(configuration) ? configuration : {};
  const validated = flavor ? validateConfiguration(flavor, object, issues) : undefined;
  if (validated) {
    checkEndpoints(type, input.flavor, validated.configuration, endpoints, issues);
    checkScopeContext(type, input.flavor, { id, name }, validated.configuration, issues);
  }
  if (issues.length || !validated) throw new BadUserInputError('Invalid component', issues);
  return validated;
}

/** The configuration changes of `updateComponent`; BAD_USER_INPUT for a bad type or a non-object. */
export function validChanges(type: ComponentType, configuration: unknown): Record<string, unknown> {
  checkConfigurationLimits(configuration, 'Invalid component update');
  const parsed = updateSchema.safeParse({ type, configuration });
  if (!parsed.success) {
    throw new BadUserInputError('Invalid component update', issuesFromZod(parsed.error.issues));
  }
  return parsed.data.configuration;
}

/** The configuration of a stored component once changes are merged; BAD_USER_INPUT listing every problem. */
export function validUpdate(
  current: Component,
  merged: Record<string, unknown>,
  endpoints?: EndpointPolicy,
): ValidatedConfiguration {
  const issues: InputIssue[] = [];
  const validated = validateConfiguration(findFlavor(current.type, current.flavor)!, merged, issues);
  checkEndpoints(current.type, current.flavor, validated.configuration, endpoints, issues);
  checkScopeContext(current.type, current.flavor, current, validated.configuration, issues);
  if (issues.length) throw new BadUserInputError('Invalid component update', issues);
  return validated;
}
