import { describe, expect, it } from 'vitest';
import { parseSecretReference } from './secret-reference.js';

// Expected results computed with ZenML 0.40's rule (utils/secret_utils.py: `fullmatch` of
// \{\{\s*\S+?\.\S+\s*\}\}, then reference[2:-2].split(".", 1) and strip()) run in Python 3.
describe('parseSecretReference (ZenML 0.40+ semantics)', () => {
  it.each([
    ['{{db.password}}', 'db', 'password'],
    ['{{ db.password }}', 'db', 'password'],
    ['{{db.a.b.c}}', 'db', 'a.b.c'],
    ['{{a.b}}}', 'a', 'b}'],
    ['{{{a.b}}', '{a', 'b'],
    ['{{.a.b}}', '', 'a.b'],
    ['{{\ta.b\n}}', 'a', 'b'],
    ['{{\u3000a.b\u3000}}', 'a', 'b'],
    ['{{\ufeffa.b}}', '\ufeffa', 'b'],
    ['{{\x1fa.b}}', 'a', 'b'],
    ['{{é.ü}}', 'é', 'ü'],
    ['{{a..b}}', 'a', '.b'],
    ['{{a.b.}}', 'a', 'b.'],
  ])('%j is a reference to %j key %j', (text, secretName, key) => {
    expect(parseSecretReference(text)).toEqual({ secretName, key });
  });

  it.each([
    '  {{db.a.b.c}} ',
    '{{db}}',
    '{{.key}}',
    '{{db.}}',
    '{{db.password}',
    'x {{db.password}}',
    '{{db.password}} x',
    '{{}}',
    '{{a b.c}}',
    '{{ a . b }}',
    '{{a.b c}}',
    '{{a.b}}\n',
    'plain',
    '',
    'db.password',
    'http://x/{y}',
  ])('%j is a plain value', (text) => {
    expect(parseSecretReference(text)).toBeUndefined();
  });

  it('ignores non-strings', () => {
    expect(parseSecretReference(42)).toBeUndefined();
    expect(parseSecretReference(null)).toBeUndefined();
  });
});
