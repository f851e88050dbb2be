import { describe, expect, it } from 'vitest';
import {
  createSecretInputSchema,
  getSecretInputSchema,
  inputIssues,
  listSecretsInputSchema,
  renameSecretInputSchema,
} from './secret-inputs.js';

describe('secret input schemas', () => {
  it('name the path and the problem as the API reports them', () => {
    expect(inputIssues(getSecretInputSchema, { scope: 'GALAXY', name: 'a\u0000b' })).toEqual([
      { path: 'scope', message: 'must be one of WORKSPACE, USER' },
      { path: 'name', message: 'must not contain NUL characters' },
    ]);
    expect(inputIssues(createSecretInputSchema, { name: 'name', scope: 'WORKSPACE' })).toEqual([
      { path: 'name', message: '"name" is reserved and may not be a secret name' },
    ]);
    expect(inputIssues(renameSecretInputSchema, { scope: null, newName: 'bad name!' })).toEqual([
      { path: 'newName', message: 'may contain letters, digits, _ and - only' },
    ]);
  });

  it('take page sizes 1..1000 or none, with one issue for any other', () => {
    for (const first of [undefined, null, 1, 1000]) {
      expect(inputIssues(listSecretsInputSchema, { first })).toEqual([]);
    }
    for (const first of [0, 0.5, 1001, Number.NaN, '5']) {
      expect(inputIssues(listSecretsInputSchema, { first })).toEqual([
        { path: 'first', message: 'must be between 1 and 1000' },
      ]);
    }
  });
});
