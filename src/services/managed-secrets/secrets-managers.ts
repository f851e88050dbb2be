import type { Principal } from '../../auth/principal.js';
import type { SecretBackend } from '../../backends/backend.js';
import { backendFlavor, observeBackend } from '../../backends/observe-backend.js';
import { BadUserInputError } from '../../errors.js';
import type { SecretsManagerScope } from '../../flavors/component-types.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import { type ScopeContext, scopingFor } from '../../scoping/scoping.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import type { Component } from '../stacks/component.js';
import type { Stack } from '../stacks/stack.js';
import type { StacksService } from '../stacks/stacks-service.js';
import { backendForComponent } from './component-backend.js';
import type { SecretsManager, StackSecretsManager } from './managed-secret.js';

export interface SecretsManagersDeps {
  stacks: Pick<StacksService, 'stackOrActive'>;
  dataDir: string;
  timeoutMs: number;
  /** Where a back-end may connect (SGW_ALLOWED_ENDPOINTS), checked on each resolved address. */
  endpoints: EndpointPolicy;
  /** Builds the back-end of a component (tests and benchmarks may wrap it). */
  backendFor?: (component: Component) => SecretBackend;
  /** Records the duration and failures of every back-end call. */
  metrics?: Pick<GatewayMetrics, 'backendCall'>;
}

/** A component's back-ends, built once per version of the component (its `updatedAt`). */
type BackendCache = Map<string, { updatedAt: number; backend: SecretBackend }>;

/** The back-end of a secrets manager component: `backendFor`, else built (observed) and cached. */
function backendOf(deps: SecretsManagersDeps, cache: BackendCache, component: Component): SecretBackend {
  if (deps.backendFor) return deps.backendFor(component);
  const cached = cache.get(component.id);
  if (cached && cached.updatedAt === component.updatedAt.getTime()) return cached.backend;
  const built = backendForComponent(component, deps.dataDir, deps.timeoutMs, deps.endpoints);
  const backend = deps.metrics
    ? observeBackend(built, backendFlavor(component.flavor), deps.metrics.backendCall)
    : built;
  cache.set(component.id, { updatedAt: component.updatedAt.getTime(), backend });
  return backend;
}

/** The scope context a secrets manager's configuration sets (scope `none` when unset). */
function scopeContextOf(component: Component): ScopeContext {
  const c = component.configuration;
  const scope = (c.scope as SecretsManagerScope | undefined) ?? 'none';
  return {
    scope,
    // ZenML accepts a namespace on every scope but uses it only with scope namespace.
    namespace: scope === 'namespace' && typeof c.namespace === 'string' ? c.namespace : undefined,
    componentId: component.id,
    componentName: component.name,
  };
}

/** The stack's SECRETS_MANAGER component; BAD_USER_INPUT when it has none. */
function secretsManagerComponentOf(stack: Stack): Component {
  const component = stack.components.find((c) => c.type === 'SECRETS_MANAGER');
  if (component) return component;
  throw new BadUserInputError(`Stack "${stack.name}" has no secrets manager`, [
    {
      path: 'stack',
      message: `stack "${stack.name}" has no SECRETS_MANAGER component; register one and add it`,
    },
  ]);
}

/** Secrets managers ready to use, from a component, a stack or a stack name (back-ends cached per component). */
export function createSecretsManagers(deps: SecretsManagersDeps) {
  const cache: BackendCache = new Map();

  /** The secrets manager of a SECRETS_MANAGER component, reached without a stack. */
  function managerOfComponent(component: Component): SecretsManager {
    const ctx = scopeContextOf(component);
    return {
      component,
      scoping: scopingFor(component.flavor),
      ctx,
      backend: backendOf(deps, cache, component),
    };
  }

  /** The secrets manager of a stack; BAD_USER_INPUT when the stack has none. */
  function managerOfStack(stack: Stack): StackSecretsManager {
    return { stack, ...managerOfComponent(secretsManagerComponentOf(stack)) };
  }

  /** The secrets manager of a stack (default: the caller's active stack); NOT_FOUND, BAD_USER_INPUT. */
  async function managerOf(principal: Principal, stackName?: string | null): Promise<StackSecretsManager> {
    return managerOfStack(await deps.stacks.stackOrActive(principal, stackName));
  }

  return { managerOf, managerOfStack, managerOfComponent };
}

export type SecretsManagers = ReturnType<typeof createSecretsManagers>;
