import { BadUserInputError } from '../../src/errors.js';
import type { ScopeContext } from '../../src/scoping/scoping.js';

/** Scope contexts shared by the scoping tests: two components, one namespace on both, another. */
export const A = '0b4f6e0c-5d7a-4e39-9a3c-2f1e8d6b7a01';
export const B = '7c2d9a14-1e3b-4f6a-8b5c-9d0e1f2a3b4c';
export const componentA: ScopeContext = { scope: 'component', componentId: A, componentName: 'team-secrets' };
export const componentB: ScopeContext = {
  scope: 'component',
  componentId: B,
  componentName: 'other-secrets',
};
export const globalA: ScopeContext = { scope: 'global', componentId: A, componentName: 'team-secrets' };
export const globalB: ScopeContext = { scope: 'global', componentId: B, componentName: 'other-secrets' };
export const namespaceXA: ScopeContext = {
  scope: 'namespace',
  namespace: 'ml-team',
  componentId: A,
  componentName: 'team-secrets',
};
export const namespaceXB: ScopeContext = {
  scope: 'namespace',
  namespace: 'ml-team',
  componentId: B,
  componentName: 'other-secrets',
};
export const namespaceY: ScopeContext = {
  scope: 'namespace',
  namespace: 'data',
  componentId: A,
  componentName: 'team-secrets',
};
export const noneA: ScopeContext = { scope: 'none', componentId: A, componentName: 'team-secrets' };

export const basicAuth = { username: 'admin', password: 's3cr3t' };

/** The BadUserInputError `fn` throws (fails the test if it throws none or another error). */
export function inputError(fn: () => unknown): BadUserInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error('expected a BadUserInputError');
}
