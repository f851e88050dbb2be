import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  type ArgumentNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  type ValidationRule,
  validate,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BadUserInputError, type InputIssue } from '../errors.js';
import { INPUT_LIMITS } from '../services/input-limits.js';
import { maskError } from './errors.js';
import { QUERY_LIMITS } from './use-query-limits.js';

type Variables = Readonly<Record<string, unknown>> | null | undefined;

const PAGE_ARGUMENTS = new Set(['first', 'last']);

/** The value an argument has once the request's variables are known. */
function argumentValue(node: ArgumentNode, variables: Variables): unknown {
  if (node.value.kind === Kind.VARIABLE) return variables?.[node.value.name.value];
  return valueFromASTUntyped(node.value, variables ?? undefined);
}

/** Lists longer than allowed anywhere in an argument's value (input objects included). */
function listIssues(type: GraphQLInputType, value: unknown, path: string, issues: InputIssue[]): void {
  const nullable = getNullableType(type);
  if (value === null || value === undefined) return;
  if (isListType(nullable)) {
    if (!Array.isArray(value)) {
      listIssues(nullable.ofType, value, path, issues);
      return;
    }
    if (value.length > INPUT_LIMITS.maxListItems) {
      issues.push({ path, message: `at most ${INPUT_LIMITS.maxListItems} items; got ${value.length}` });
      return;
    }
    value.forEach((item, index) => {
      listIssues(nullable.ofType, item, `${path}.${index}`, issues);
    });
  } else if (isInputObjectType(nullable) && typeof value === 'object') {
    for (const field of Object.values(nullable.getFields()))
      listIssues(field.type, (value as Record<string, unknown>)[field.name], `${path}.${field.name}`, issues);
  }
}

/** Every argument over the limits: lists of more than 1,000 items, page sizes over 1,000. */
function argumentIssues(schema: GraphQLSchema, document: DocumentNode, variables: Variables): InputIssue[] {
  const issues: InputIssue[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (!argument) return;
        const value = argumentValue(node, variables);
        if (
          PAGE_ARGUMENTS.has(argument.name) &&
          typeof value === 'number' &&
          value > INPUT_LIMITS.maxPageSize
        )
          issues.push({ path: argument.name, message: `must be at most ${INPUT_LIMITS.maxPageSize}` });
        listIssues(argument.type, value, argument.name, issues);
      },
    }),
  );
  return issues;
}

/**
 * The document with every page size given as a variable written in as a literal, so that the
 * cost limit weighs it as it weighs a literal; undefined when there is none.
 */
function withPageSizesInlined(document: DocumentNode, variables: Variables): DocumentNode | undefined {
  let inlined = false;
  const result = visit(document, {
    Argument(node) {
      if (!PAGE_ARGUMENTS.has(node.name.value) || node.value.kind !== Kind.VARIABLE) return undefined;
      const value = variables?.[node.value.name.value];
      if (typeof value !== 'number' || !Number.isInteger(value)) return undefined;
      inlined = true;
      return { ...node, value: { kind: Kind.INT, value: String(value) } };
    },
  });
  return inlined ? result : undefined;
}

/** graphql-armor's cost limit (the one `useQueryLimits` applies) over a document. */
function costIssues(schema: GraphQLSchema, document: DocumentNode): InputIssue[] {
  const issues: InputIssue[] = [];
  const rule = costLimitRule({
    maxCost: QUERY_LIMITS.maxCost,
    propagateOnRejection: false,
    onReject: [
      (_context: unknown, error: { message: string }) =>
        issues.push({ path: 'first', message: error.message.replace(/^Syntax Error: /, '') }),
    ],
  }) as unknown as ValidationRule;
  validate(schema, document, [rule]);
  return issues;
}

/** Whether an input type can hold a list anywhere (itself, or a field of an input object, nested). */
function holdsList(type: GraphQLInputType, seen = new Set<GraphQLInputType>()): boolean {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return true;
  if (!isInputObjectType(nullable) || seen.has(nullable)) return false;
  seen.add(nullable);
  return Object.values(nullable.getFields()).some((field) => holdsList(field.type, seen));
}

/** Whether a document has an argument the limits look at: a page size, or one that can hold a list. */
function hasLimitedArguments(schema: GraphQLSchema, document: DocumentNode): boolean {
  let found = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument() {
        const argument = typeInfo.getArgument();
        if (argument && (PAGE_ARGUMENTS.has(argument.name) || holdsList(argument.type))) found = true;
      },
    }),
  );
  return found;
}

/**
 * Per parsed document (yoga caches them, so a repeated operation is the same object): whether it
 * has an argument the limits look at. Most operations have none and skip the walks below.
 */
const limitedDocuments = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, boolean>>();

/** What `useArgumentLimits` refuses in a document with its variables (none: within the limits). */
export function argumentLimitIssues(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Variables,
): InputIssue[] {
  let known = limitedDocuments.get(schema);
  if (!known) {
    known = new WeakMap();
    limitedDocuments.set(schema, known);
  }
  let limited = known.get(document);
  if (limited === undefined) {
    limited = hasLimitedArguments(schema, document);
    known.set(document, limited);
  }
  if (!limited) return [];
  const issues = argumentIssues(schema, document, variables);
  const inlined = issues.length ? undefined : withPageSizesInlined(document, variables);
  return inlined ? costIssues(schema, inlined) : issues;
}

/**
 * Limits that need the request's variables, checked once they are known and before any
 * resolver runs: argument lists of at most 1,000 items, page sizes of at most 1,000, and the
 * query cost with page sizes given as variables weighed like literals (the validation-time cost
 * limit of `useQueryLimits` sees only literals; validation results are cached per document).
 * Over a limit: BAD_USER_INPUT with `issues`, nothing executed.
 */
export function useArgumentLimits(): Plugin {
  const problems = argumentLimitIssues;

  const refusal = (issues: InputIssue[]) => ({
    errors: [maskError(new BadUserInputError('Arguments over the limits of the API', issues))],
  });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const issues = problems(args.schema, args.document, args.variableValues as Variables);
      if (issues.length) setResultAndStopExecution(refusal(issues));
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const issues = problems(args.schema, args.document, args.variableValues as Variables);
      if (issues.length) setResultAndStopExecution(refusal(issues));
    },
  };
}
