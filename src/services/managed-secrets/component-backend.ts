import type { SecretBackend } from '../../backends/backend.js';
import { BUILT_IN_FLAVORS, type BuiltInFlavor, createBackend } from '../../backends/create-backend.js';
import { configurationReader } from '../../backends/option-reader.js';
import { BadUserInputError } from '../../errors.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import type { Component } from '../stacks/component.js';

const isBuiltIn = (flavor: string): flavor is BuiltInFlavor =>
  (BUILT_IN_FLAVORS as readonly string[]).includes(flavor);

/**
 * The back-end a secrets manager component talks to, from its configuration (createBackend: a
 * remote one bounded in time by `timeoutMs`, connecting only where `endpoints` allows). Throws
 * BadUserInputError for a flavor without a back-end and for options its adapter can't use.
 */
export function backendForComponent(
  component: Component,
  dataDir: string,
  timeoutMs: number,
  endpoints: EndpointPolicy,
): SecretBackend {
  if (!isBuiltIn(component.flavor)) {
    throw new BadUserInputError(`Secrets manager flavor "${component.flavor}" has no back-end`, [
      { path: 'flavor', message: `unknown secrets manager flavor "${component.flavor}"` },
    ]);
  }
  return createBackend(component.flavor, configurationReader(component.configuration), {
    timeoutMs,
    endpoints,
    local: { dataDir, componentId: component.id },
  });
}
