import {
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { ERROR_CODES } from '../errors.js';
import type { GatewayMetrics, GraphQLOperationLabels } from '../metrics/gateway-metrics.js';
import { toPublicError } from './errors.js';

/** Distinct root field sets labelled at most; later new ones are counted as `(other)`. */
const MAX_ROOT_FIELD_SETS = 200;

const KNOWN_CODES: ReadonlySet<string> = new Set([...ERROR_CODES, 'INTERNAL_SERVER_ERROR']);

/** The stable code of an error as the caller receives it (a bounded label). */
function errorCode(error: unknown): string {
  const code = toPublicError(error).extensions.code;
  return typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'INTERNAL_SERVER_ERROR';
}

/** Root field names of a selection set, through inline fragments and fragment spreads. */
function collectRootFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  names: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      collectRootFields(selection.selectionSet, fragments, names);
    else {
      const fragment = fragments.get(selection.name.value);
      fragments.delete(selection.name.value); // each fragment once, even if spread in a cycle
      if (fragment) collectRootFields(fragment.selectionSet, fragments, names);
    }
  }
}

/** The operation's type and its root field names (never its client-chosen name nor arguments). */
function operationLabels(document: DocumentNode, operationName: string | null | undefined) {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { operationType: 'unknown', rootFields: '' };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names = new Set<string>();
  collectRootFields(operation.selectionSet, fragments, names);
  return { operationType: operation.operation, rootFields: [...names].sort().join(',') };
}

/** What names an operation for the labels: its document and the operation chosen in it. */
interface OperationArgs {
  document: DocumentNode;
  operationName?: string | null;
}

/**
 * A labeller of operations whose root field sets are bounded in number: after
 * MAX_ROOT_FIELD_SETS distinct ones, a new set is labelled `(other)`.
 */
function createBoundedLabeller(): (args: OperationArgs) => GraphQLOperationLabels {
  const rootFieldSets = new Set<string>();
  return (args) => {
    const labels = operationLabels(args.document, args.operationName);
    if (rootFieldSets.has(labels.rootFields)) return labels;
    if (rootFieldSets.size >= MAX_ROOT_FIELD_SETS) return { ...labels, rootFields: '(other)' };
    rootFieldSets.add(labels.rootFields);
    return labels;
  };
}

/**
 * Once an operation has its result: records its time (`done`) and the errors of the result, or
 * of each result its stream yields, through `countErrors`.
 */
function resultRecorder(countErrors: (errors: readonly unknown[] | undefined) => void) {
  return (done: () => void) =>
    ({ result }: { result: ExecutionResult | AsyncIterable<ExecutionResult> }) => {
      done();
      if (!isAsyncIterable(result)) return countErrors(result.errors);
      return { onNext: ({ result: next }: { result: ExecutionResult }) => countErrors(next.errors) };
    };
}

/**
 * Records every GraphQL operation (HTTP, SSE and WebSocket): its duration from parsing to the
 * result (a subscription: until its stream is set up) by operation type and root fields, and
 * each error of a response by its stable code. Memory only; nothing per request is kept beyond it.
 */
export function useGraphQLMetrics(metrics: Pick<GatewayMetrics, 'graphqlRequest' | 'graphqlError'>): Plugin {
  const startedAt = new WeakMap<object, number>();
  const labelsOf = createBoundedLabeller();
  const recordResult = resultRecorder((errors) => {
    for (const error of errors ?? []) metrics.graphqlError(errorCode(error));
  });

  /** Starts timing an operation; the returned function records it. */
  function timer(args: OperationArgs & { contextValue?: unknown }) {
    const context = args.contextValue as object | undefined;
    const started = (context && startedAt.get(context)) ?? performance.now();
    return () => metrics.graphqlRequest(labelsOf(args), (performance.now() - started) / 1000);
  }

  return {
    onPluginInit({ registerContextErrorHandler }) {
      // The context failed to build (the token lookup found the database down).
      registerContextErrorHandler(({ error }) => metrics.graphqlError(errorCode(error)));
    },
    onParse({ context }) {
      startedAt.set(context, performance.now());
      // A document that does not parse is always the caller's mistake (useStableErrorCodes).
      return ({ result }) => {
        if (result instanceof Error) metrics.graphqlError('BAD_USER_INPUT');
      };
    },
    onValidate() {
      return ({ result }) => {
        for (const _error of result) metrics.graphqlError('BAD_USER_INPUT');
      };
    },
    onExecute({ args }) {
      return { onExecuteDone: recordResult(timer(args)) };
    },
    onSubscribe({ args }) {
      return {
        onSubscribeResult: recordResult(timer(args)),
        onSubscribeError({ error }) {
          metrics.graphqlError(errorCode(error));
        },
      };
    },
  };
}
