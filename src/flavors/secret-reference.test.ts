import { describe, expect, it } from 'vitest';
import { MalformedReferenceError, parseSecretReference } from './secret-reference.js';

describe('parseSecretReference', () => {
  it.each([
    ['{{db.password}}', { secretName: 'db', key: 'password' }],
    ['{{ db.password }}', { secretName: 'db', key: 'password' }],
    ['  {{db.a.b.c}} ', { secretName: 'db', key: 'a.b.c' }],
  ])('%s is a reference', (text, expected) => {
    expect(parseSecretReference(text)).toEqual(expected);
  });

  it.each(['plain', 'http://x/{y}', '', 'db.password'])('%s is a plain value', (text) => {
    expect(parseSecretReference(text)).toBeUndefined();
  });

  it.each([
    '{{db}}',
    '{{.key}}',
    '{{db.}}',
    '{{db.password}',
    'x {{db.password}}',
    '{{db.password}} x',
    '{{}}',
    '{{a b.c}}',
  ])('%s is malformed', (text) => {
    expect(() => parseSecretReference(text)).toThrow(MalformedReferenceError);
  });

  it('ignores non-strings', () => {
    expect(parseSecretReference(42)).toBeUndefined();
    expect(parseSecretReference(null)).toBeUndefined();
  });
});
