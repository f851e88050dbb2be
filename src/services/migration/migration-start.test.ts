import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../errors.js';
import { parseStartSettings, type StartMigrationInput } from './migration-start.js';

function issuesOf(input: StartMigrationInput) {
  try {
    parseStartSettings(input);
  } catch (error) {
    expect(error).toBeInstanceOf(BadUserInputError);
    expect((error as BadUserInputError).message).toBe('Invalid migration');
    return (error as BadUserInputError).issues;
  }
  throw new Error('expected BAD_USER_INPUT');
}

describe('parseStartSettings', () => {
  it('applies the defaults: WORKSPACE, SKIP, no renames', () => {
    expect(parseStartSettings({})).toEqual({ targetScope: 'WORKSPACE', onConflict: 'SKIP', renames: {} });
    expect(parseStartSettings({ targetScope: null, onConflict: null, renames: null })).toEqual({
      targetScope: 'WORKSPACE',
      onConflict: 'SKIP',
      renames: {},
    });
  });

  it('keeps valid settings', () => {
    const input = { targetScope: 'USER', onConflict: 'OVERWRITE', renames: { old: 'new-name' } } as const;
    expect(parseStartSettings(input)).toEqual(input);
  });

  it('names every bad field, in order, with the same paths and messages as before', () => {
    const input = {
      targetScope: 'TEAM',
      onConflict: 'MERGE',
      renames: ['a'],
    } as unknown as StartMigrationInput;
    expect(issuesOf(input)).toEqual([
      { path: 'targetScope', message: 'must be one of WORKSPACE, USER' },
      { path: 'onConflict', message: 'must be one of SKIP, OVERWRITE, FAIL' },
      { path: 'renames', message: 'must be a JSON object of old name to new name' },
    ]);
  });

  it('a non-string new name is a bad renames object; a bad new name is an issue of its own (first message only)', () => {
    expect(issuesOf({ renames: { a: 1, b: 'ok' } })).toEqual([
      { path: 'renames', message: 'must be a JSON object of old name to new name' },
    ]);
    expect(issuesOf({ renames: { a: '', b: 'ok', 'c.d': 'name' } })).toEqual([
      { path: 'renames.a', message: 'must not be empty' },
      { path: 'renames.c.d', message: '"name" is reserved and may not be a secret name' },
    ]);
  });
});
