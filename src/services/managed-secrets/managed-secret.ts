import type { SecretBackend, SecretValues } from '../../backends/backend.js';
import type { FlavorScoping, ScopeContext } from '../../scoping/scoping.js';
import type { Component } from '../stacks/component.js';
import type { Stack } from '../stacks/stack.js';

/** A secrets manager component, ready to use: its scoping, scope context and back-end (and the stack it was found in). */
export interface SecretsManager {
  /** The stack the manager was reached through; absent when reached by its component alone. */
  stack?: Stack;
  component: Component;
  scoping: FlavorScoping;
  ctx: ScopeContext;
  backend: SecretBackend;
}

/** A secrets manager reached through a stack. */
export interface StackSecretsManager extends SecretsManager {
  stack: Stack;
}

/** A secret inside a secrets manager, loaded once. */
export interface ManagedSecret {
  name: string;
  schema: string;
  keys: string[];
  /** Internal: handed out only through `readValues` (authorized and audited). */
  values: SecretValues;
  manager: SecretsManager;
}

/** A managed secret known by name, loaded from the back-end on first use. */
export interface ManagedSecretRef {
  name: string;
  load(): Promise<ManagedSecret>;
}

/** The audit target of a managed secret: its manager's stack, component, flavor and scope. */
export function managedSecretTarget(
  manager: SecretsManager,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    kind: 'managed_secret',
    name,
    stack: manager.stack?.name,
    componentId: manager.component.id,
    component: manager.component.name,
    flavor: manager.component.flavor,
    scope: manager.ctx.scope,
    ...(manager.ctx.namespace ? { namespace: manager.ctx.namespace } : {}),
    ...extra,
  };
}
