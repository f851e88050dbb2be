import type { Plugin } from 'graphql-yoga';
import { UnauthenticatedError } from '../errors.js';
import type { AuditService } from '../services/audit/audit-service.js';
import { ANONYMOUS } from '../services/tokens/tokens-service.js';
import type { GraphQLContext } from './context.js';
import { maskError } from './errors.js';

/** Refuses every operation without a valid token (UNAUTHENTICATED), recording the attempt. */
export function useAuthentication(audit: Pick<AuditService, 'record'>): Plugin<GraphQLContext> {
  const refuse = async (operationName: string | null | undefined) => {
    await audit
      .record({
        actor: ANONYMOUS,
        action: 'auth.authenticate',
        outcome: 'DENIED',
        target: { kind: 'request', operation: operationName ?? null },
      })
      .catch(() => {});
    return { errors: [maskError(new UnauthenticatedError())] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as GraphQLContext;
      if (context.principal) return;
      return refuse(args.operationName).then((result) => setResultAndStopExecution(result)) as never;
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as GraphQLContext;
      if (context.principal) return;
      return refuse(args.operationName).then((result) => setResultAndStopExecution(result)) as never;
    },
  };
}
