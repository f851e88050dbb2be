import {
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isLeafType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  validate,
} from 'graphql';
import type { AuditEvent, AuditFilter } from '../services/audit/audit-event.js';
import { toFilter } from './audit.js';
import { schema } from './schema.js';
import { argumentLimitIssues } from './use-argument-limits.js';
import { QUERY_LIMITS } from './use-query-limits.js';

/** An `auditEvents` subscription the lean SSE path can serve exactly as yoga would. */
export interface AuditSseOperation {
  /** The query text, variables and operation name: followers with equal keys share every render. */
  key: string;
  document: DocumentNode;
  /** The `auditEvents` field (where an error of the subscription is located). */
  field: FieldNode;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  filter: AuditFilter | null;
  after: string | null;
}

/** Fields of `AuditEvent` (plain, unaliased): the selections the lean path takes. */
const EVENT_FIELDS = new Set([
  'id',
  'at',
  'actor',
  'action',
  'outcome',
  'target',
  'valueFingerprints',
  'prevHash',
  'hash',
  '__typename',
]);

/** Plain fields of AuditEvent only: no alias, directive, fragment or sub-selection. */
function isPlainEventSelection(selectionSet: SelectionSetNode | undefined): boolean {
  if (!selectionSet || selectionSet.selections.length > EVENT_FIELDS.size) return false;
  return selectionSet.selections.every(
    (s) =>
      s.kind === Kind.FIELD &&
      !s.alias &&
      !s.directives?.length &&
      !s.arguments?.length &&
      !s.selectionSet &&
      EVENT_FIELDS.has(s.name.value),
  );
}

/** The single root field `auditEvents` of a subscription, without directives; else undefined. */
function auditEventsField(operation: OperationDefinitionNode): FieldNode | undefined {
  const [field] = operation.selectionSet.selections;
  if (operation.operation !== 'subscription' || operation.selectionSet.selections.length !== 1)
    return undefined;
  if (field.kind !== Kind.FIELD || field.name.value !== 'auditEvents' || field.directives?.length)
    return undefined;
  if (operation.directives?.length || !isPlainEventSelection(field.selectionSet)) return undefined;
  return field;
}

interface RequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

function parsedDocument(query: string): DocumentNode | undefined {
  try {
    return parse(query, { maxTokens: QUERY_LIMITS.maxTokens });
  } catch {
    return undefined;
  }
}

/**
 * The `auditEvents` subscription a request body asks for, when it is one the lean path serves
 * exactly as yoga would: one valid operation of that one field and plain event fields, its
 * variables valid and within the argument limits. Anything else (or anything wrong) is
 * undefined, and yoga answers it, errors and all. Nothing here has side effects.
 */
export function auditSseOperation(body: RequestBody): AuditSseOperation | undefined {
  const { query, operationName } = body;
  const variables = body.variables ?? undefined;
  if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string'))
    return undefined;
  if (variables !== undefined && (typeof variables !== 'object' || Array.isArray(variables)))
    return undefined;
  const document = parsedDocument(query);
  if (!document || document.definitions.some((d) => d.kind !== Kind.OPERATION_DEFINITION)) return undefined;
  const operation = getOperationAST(document, operationName ?? undefined);
  const field = operation && auditEventsField(operation);
  if (!operation || !field || validate(schema, document).length) return undefined;
  const vars = variables as Record<string, unknown> | undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], vars ?? {});
  if (coerced.errors || argumentLimitIssues(schema, document, vars).length) return undefined;
  const fieldDef = schema.getSubscriptionType()?.getFields().auditEvents;
  if (!fieldDef) return undefined;
  const args = getArgumentValues(fieldDef, field, coerced.variableValues);
  return {
    key: JSON.stringify([query, operationName ?? null, vars ?? null]),
    document,
    field,
    operationName: operationName ?? undefined,
    variables: vars,
    filter: toFilter(args.filter as Record<string, unknown> | null | undefined),
    after: args.after == null ? null : String(args.after),
  };
}

/** One selected field: its response name, how it resolves and how it goes on the wire. */
type FieldWriter = [name: string, write: (event: AuditEvent) => unknown];

function fieldWriter(field: GraphQLField<unknown, unknown>): FieldWriter[1] {
  const named = getNamedType(field.type);
  if (!isLeafType(named)) throw new Error(`AuditEvent.${field.name} is not a leaf`);
  const resolve =
    field.resolve ?? ((event: AuditEvent) => (event as unknown as Record<string, unknown>)[field.name]);
  return (event) => {
    const value = resolve(event, {}, undefined, undefined as unknown as GraphQLResolveInfo);
    return value == null ? null : named.serialize(value);
  };
}

/**
 * The result graphql-js gives for one event of the operation, built with the schema's own
 * resolvers and serializers of the (plain, leaf) fields selected: the same JSON, without an
 * execution per event (the subscription field's own resolver is async, hence no executeSync).
 */
export function eventResultOf(op: AuditSseOperation): (event: AuditEvent) => unknown {
  const type = schema.getType('AuditEvent');
  if (!type || !('getFields' in type)) throw new Error('AuditEvent is not in the schema');
  const fields = type.getFields() as Record<string, GraphQLField<unknown, unknown>>;
  const writers: FieldWriter[] = [];
  for (const selection of op.field.selectionSet?.selections ?? []) {
    const name = (selection as FieldNode).name.value;
    if (writers.some(([n]) => n === name)) continue;
    writers.push([name, name === '__typename' ? () => 'AuditEvent' : fieldWriter(fields[name])]);
  }
  const responseName = op.field.alias?.value ?? op.field.name.value;
  return (event) => {
    const data: Record<string, unknown> = {};
    for (const [name, write] of writers) data[name] = write(event);
    return { data: { [responseName]: data } };
  };
}
