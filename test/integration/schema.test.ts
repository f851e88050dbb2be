import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type GraphQLField,
  type GraphQLInputField,
  isEnumType,
  isInputObjectType,
  isObjectType,
  Kind,
  lexicographicSortSchema,
  parse,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const API_MD = path.resolve(ROOT, '../shared/API.md');

/** API.md names that belong to issues not landed yet (removed from here as they land). */
const NOT_YET: Record<string, string[]> = {};

function apiOutline(): string {
  const text = readFileSync(API_MD, 'utf8');
  const block = /```graphql\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('API.md has no graphql block');
  return block[1];
}

describe('schema.graphql', () => {
  it('matches the schema built from the code (run `npm run schema` when this fails)', () => {
    const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
    expect(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8')).toBe(printed);
  });

  it.runIf(existsSync(API_MD))('holds every type, field, argument and enum value API.md names', () => {
    const missing: string[] = [];
    for (const definition of parse(apiOutline()).definitions) {
      if (!('name' in definition) || !definition.name) continue;
      const typeName = definition.name.value;
      const skip = NOT_YET[typeName] ?? [];
      if (skip.includes('*')) continue;
      const type = schema.getType(typeName);
      if (!type) {
        missing.push(typeName);
        continue;
      }
      if (definition.kind === Kind.ENUM_TYPE_DEFINITION && isEnumType(type)) {
        for (const value of definition.values ?? []) {
          if (!type.getValue(value.name.value)) missing.push(`${typeName}.${value.name.value}`);
        }
      }
      if (
        (definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
          definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) &&
        (isObjectType(type) || isInputObjectType(type))
      ) {
        const fields = type.getFields() as Record<string, GraphQLField<unknown, unknown> | GraphQLInputField>;
        for (const field of definition.fields ?? []) {
          const name = field.name.value;
          if (skip.includes(name)) continue;
          const actual = fields[name];
          if (!actual) {
            missing.push(`${typeName}.${name}`);
            continue;
          }
          if (field.kind === Kind.FIELD_DEFINITION && 'args' in actual) {
            for (const arg of field.arguments ?? []) {
              if (!actual.args.some((a) => a.name === arg.name.value))
                missing.push(`${typeName}.${name}(${arg.name.value})`);
            }
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
