import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isRequiredArgument,
} from 'graphql';
import { sql } from 'kysely';
import { ERROR_CODES } from '../../src/errors.js';
import type { Gateway } from '../../src/server.js';

/** Every `extensions.code` a caller may see (API.md's list and RATE_LIMITED). */
export const STABLE_CODES: readonly string[] = ERROR_CODES;

/** Strings that have broken parsers, validators, paths and SQL before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uFEFF',
  '😀🔑',
  'ǅ̸̛͉e\u0301',
  '\u202Egnp.exe',
  '../../etc/passwd',
  '..',
  '/',
  'C:\\Windows',
  "'; drop table secrets; --",
  '%s%n%x',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style payload, on purpose
  '${jndi:ldap://127.0.0.1/a}',
  '{{x.y}}',
  '{{',
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '0',
  '1e309',
  'null',
  'true',
  'a'.repeat(129),
  'a'.repeat(10_000),
  'x\ny',
  '<script>alert(1)</script>',
];

/** A string of one of many shapes: names the caller knows, nasty ones, random ones, huge ones. */
export function hostileString(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('a', '😀', '\u0000', '{'), fc.integer({ min: 1_000, max: 5_000 }))
        .map(([unit, n]) => unit.repeat(n)),
    },
  );
}

/** JSON nested `depth` levels deep, `leaf` at the bottom. */
export function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = asArray ? [value] : { k: value };
  return value;
}

/**
 * Any JSON: random, secret-shaped (string to string), deep, wide, or prototype-polluting;
 * `leaves` are its string values (keys are `strings`).
 */
export function hostileJson(strings: fc.Arbitrary<string>, leaves = strings): fc.Arbitrary<unknown> {
  const stringMap = fc.dictionary(strings, leaves, { maxKeys: 6 });
  return fc.oneof(
    { weight: 5, arbitrary: stringMap },
    { weight: 3, arbitrary: fc.dictionary(strings, fc.oneof(leaves, fc.constant(null)), { maxKeys: 4 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 10, max: 3_000 }), leaves, fc.boolean())
        .map(([depth, leaf, asArray]) => nested(depth, leaf, asArray)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 300 })
        .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        JSON.parse('{"__proto__": {"polluted": "yes"}, "a": "b"}'),
        { constructor: { prototype: { polluted: 'yes' } } },
        { toString: 'x', valueOf: 'y', hasOwnProperty: 'z' },
        [],
        '',
        0,
        true,
        null,
      ),
    },
  );
}

/** A value for an argument of `type`: usually of that type, sometimes of any other. */
export function valueOfType(
  type: GraphQLInputType,
  strings: fc.Arbitrary<string>,
  json: fc.Arbitrary<unknown>,
): fc.Arbitrary<unknown> {
  const inner = isNonNullType(type) ? type.ofType : type;
  const typed = (): fc.Arbitrary<unknown> => {
    if (isListType(inner)) {
      const item = valueOfType(inner.ofType as GraphQLInputType, strings, json);
      return fc.oneof(
        { weight: 9, arbitrary: fc.array(item, { maxLength: 5 }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: 50, maxLength: 200 }) },
      );
    }
    if (isEnumType(inner)) {
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...inner.getValues().map((v) => v.name)) },
        { weight: 1, arbitrary: strings },
      );
    }
    if (isInputObjectType(inner)) {
      const fields = Object.values(inner.getFields());
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, valueOfType(f.type, strings, json)])), {
        requiredKeys: [],
      });
    }
    switch (inner.name) {
      case 'String':
      case 'ID':
        return strings;
      case 'Int':
        return fc.oneof(
          fc.integer({ min: -3, max: 1_000 }),
          fc.integer(),
          fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, -0),
        );
      case 'Float':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'Boolean':
        return fc.boolean();
      case 'DateTime':
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          strings,
        );
      default:
        return json;
    }
  };
  return fc.oneof(
    { weight: 18, arbitrary: typed() },
    { weight: 1, arbitrary: json },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

/** The type as GraphQL prints it in a variable definition (`[String!]!`). */
export function printType(type: GraphQLInputType | GraphQLOutputType): string {
  return String(type);
}

/** A GraphQL literal for a JSON value (keys that are not names make a syntax error, on purpose). */
export function literal(value: unknown, asEnum = false): string {
  try {
    return printLiteral(value, asEnum);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Too deep to print recursively here (deep query text is its own case).
    return '"nested too deep to print"';
  }
}

function printLiteral(value: unknown, asEnum: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string')
    return asEnum && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => printLiteral(v, false)).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${printLiteral(v, false)}`)
    .join(', ')}}`;
}

/** Selections of a field's result: some leaves, and one leaf of each nested object. */
export function selectionsOf(type: GraphQLOutputType): string[] {
  const named = getNamedType(type);
  if (!isObjectType(named)) return [];
  const out: string[] = [];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some(isRequiredArgument)) continue;
    const inner = getNamedType(field.type);
    if (isLeafType(inner)) out.push(field.name);
    else if (isObjectType(inner)) {
      const leaf = Object.values(inner.getFields()).find((f) => isLeafType(getNamedType(f.type)));
      if (leaf) out.push(`${field.name} { ${leaf.name} }`);
    }
  }
  return out;
}

export interface HostileRequest {
  /** What was sent, for the failure report. */
  label: string;
  body: string;
}

/** Arbitraries of one argument, by name: realistic values for this mutation (fixtures). */
export type ArgumentHints = Record<string, fc.Arbitrary<unknown>>;

/**
 * Requests for one mutation: well-typed and mistyped variables, inline literals, missing and
 * extra arguments, broken query text, and bodies that are not GraphQL requests at all.
 */
export function hostileRequests(
  field: GraphQLField<unknown, unknown>,
  hints: ArgumentHints,
  strings: fc.Arbitrary<string>,
  secretValue?: string,
): fc.Arbitrary<HostileRequest> {
  // A secret value may turn up anywhere a JSON value does, also in the wrong argument.
  const json = hostileJson(
    strings,
    secretValue === undefined
      ? strings
      : fc.oneof({ weight: 4, arbitrary: strings }, { weight: 1, arbitrary: fc.constant(secretValue) }),
  );
  const argValue = (arg: GraphQLArgument) => {
    const generic = valueOfType(arg.type, strings, json);
    const hint = hints[arg.name];
    return hint ? fc.oneof({ weight: 3, arbitrary: hint }, { weight: 2, arbitrary: generic }) : generic;
  };
  const selections = selectionsOf(field.type);
  const selection = selections.length
    ? fc.oneof(
        { weight: 9, arbitrary: fc.subarray(selections, { minLength: 1 }).map((s) => ` { ${s.join(' ')} }`) },
        { weight: 1, arbitrary: fc.constantFrom('', ' { }', ' { nope }', ' { __typename }') },
      )
    : fc.oneof({ weight: 9, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constant(' { x }') });
  // Each argument: given, left out, or given twice; plus sometimes one the field doesn't have.
  const args = fc.tuple(
    ...field.args.map((arg) =>
      fc.record({
        arg: fc.constant(arg),
        value: argValue(arg),
        presence: fc.oneof(
          { weight: 18, arbitrary: fc.constant('given') },
          { weight: 1, arbitrary: fc.constant('missing') },
          { weight: 1, arbitrary: fc.constant('twice') },
        ),
        declaredAs: fc.oneof(
          { weight: 30, arbitrary: fc.constant(printType(arg.type)) },
          { weight: 1, arbitrary: fc.constantFrom('Int', 'String!', '[JSON]', 'Bogus', 'Role!') },
        ),
      }),
    ),
  );
  const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 15, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
  const extra = rarely(fc.tuple(fc.constantFrom('bogus', 'values', '__typename'), json));
  const name = field.name;

  const withVariables = fc
    .tuple(args, selection, extra, rarely(json))
    .map(([list, sel, extraArg, extraVars]) => {
      const given = list.filter((a) => a.presence !== 'missing');
      const defs = given.map((a) => `$${a.arg.name}: ${a.declaredAs}`);
      const uses = given.flatMap((a) =>
        a.presence === 'twice'
          ? [`${a.arg.name}: $${a.arg.name}`, `${a.arg.name}: $${a.arg.name}`]
          : [`${a.arg.name}: $${a.arg.name}`],
      );
      if (extraArg) uses.push(`${extraArg[0]}: ${literal(extraArg[1])}`);
      const variables: Record<string, unknown> = Object.fromEntries(given.map((a) => [a.arg.name, a.value]));
      if (extraVars !== null) variables.extra = extraVars;
      const query = `mutation${defs.length ? `(${defs.join(', ')})` : ''} { ${name}${uses.length ? `(${uses.join(', ')})` : ''}${sel} }`;
      return { query, variables };
    });
  const withLiterals = fc.tuple(args, selection, extra).map(([list, sel, extraArg]) => {
    const uses = list
      .filter((a) => a.presence !== 'missing')
      .map((a) => `${a.arg.name}: ${literal(a.value, isEnumType(getNamedType(a.arg.type)))}`);
    if (extraArg) uses.push(`${extraArg[0]}: ${literal(extraArg[1])}`);
    return { query: `mutation { ${name}${uses.length ? `(${uses.join(', ')})` : ''}${sel} }`, variables: {} };
  });
  const wellFormed = fc.oneof(
    { weight: 3, arbitrary: withVariables },
    { weight: 2, arbitrary: withLiterals },
  );

  const asBody = wellFormed.map(({ query, variables }) => ({
    label: 'operation',
    body: JSON.stringify({ query, variables }),
  }));
  const brokenText = fc
    .tuple(wellFormed, fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 5 }))
    .map(([{ query, variables }, at, cut, insert]) => {
      const i = at % (query.length + 1);
      return {
        label: 'broken query text',
        body: JSON.stringify({ query: query.slice(0, i) + insert + query.slice(i + cut), variables }),
      };
    });
  const deepText = fc
    .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('{', '[', '(', '{ a'))
    .map(([n, open]) => ({
      label: 'deep query text',
      body: JSON.stringify({ query: `mutation { ${name}(x: ${open.repeat(n)}) }` }),
    }));
  const wideText = fc.integer({ min: 101, max: 200 }).map((n) => ({
    label: 'wide query text',
    body: JSON.stringify({
      query: `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: ${name}`).join(' ')} }`,
    }),
  }));
  const hugeBody = fc.integer({ min: 900_000, max: 1_200_000 }).map((n) => ({
    label: 'huge body',
    body: JSON.stringify({ query: `mutation { ${name} }`, variables: { pad: 'x'.repeat(n) } }),
  }));
  const notARequest = fc.oneof(
    fc.string().map((body) => ({ label: 'random body', body })),
    fc.jsonValue().map((v) => ({ label: 'random JSON body', body: JSON.stringify(v) })),
    fc
      .record(
        {
          query: fc.oneof(
            wellFormed.map((w) => w.query),
            fc.jsonValue(),
          ),
          variables: fc.jsonValue(),
          operationName: fc.oneof(fc.string(), fc.jsonValue()),
          extensions: fc.jsonValue(),
        },
        { requiredKeys: [] },
      )
      .map((r) => ({ label: 'malformed request fields', body: JSON.stringify(r) })),
  );
  return fc
    .oneof(
      { weight: 40, arbitrary: asBody },
      { weight: 8, arbitrary: brokenText },
      { weight: 2, arbitrary: deepText },
      { weight: 1, arbitrary: wideText },
      { weight: 6, arbitrary: notARequest },
      { weight: 1, arbitrary: hugeBody },
    )
    .map((request) => ({
      ...request,
      // Failure reports show the start of a huge body, not megabytes of it.
      [fc.toStringMethod]: () =>
        `${request.label}: ${request.body.length > 600 ? `${request.body.slice(0, 600)}… (${request.body.length} chars)` : request.body}`,
    }));
}

/** Every table a mutation writes, but the audit log (which records refusals too). */
const WATCHED_TABLES = [
  'principals',
  'tokens',
  'components',
  'stacks',
  'stack_components',
  'active_stacks',
  'secrets',
  'secret_values',
  'migration_jobs',
  'migration_items',
] as const;

/**
 * Counts every row written to a watched table (a trigger per table; rolled back with the
 * transaction that wrote), so a fingerprint is one cheap query. Test instrumentation only.
 */
export async function watchWrites(gateway: Gateway): Promise<void> {
  const { db } = gateway.database;
  await sql`create table if not exists hostile_write_count (n bigint not null)`.execute(db);
  await sql`insert into hostile_write_count select 0 where not exists (select 1 from hostile_write_count)`.execute(
    db,
  );
  await sql`create or replace function hostile_count_write() returns trigger language plpgsql as $$
    begin update hostile_write_count set n = n + 1; return null; end $$`.execute(db);
  for (const table of WATCHED_TABLES) {
    await sql`create or replace trigger hostile_count_write after insert or update or delete on ${sql.table(table)}
      for each row execute function hostile_count_write()`.execute(db);
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * A fingerprint of everything a mutation can change: the rows written to the watched tables
 * (see watchWrites) and the content of every file under the data directory (local secrets
 * managers: one that writes, then undoes the write when a later step fails, leaves it as it was).
 */
export async function stateFingerprint(gateway: Gateway, dataDir: string): Promise<string> {
  const { rows } = await sql<{ n: string }>`select n from hostile_write_count`.execute(gateway.database.db);
  const hash = createHash('sha256').update(`rows written: ${rows[0]?.n}`);
  for (const file of filesUnder(dataDir)) {
    hash.update(`${file}\0`);
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}
