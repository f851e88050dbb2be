import { describe, expect, it } from 'vitest';
import { AUDIT_TARGET_TEXT_MAX, AUDIT_TEXT_MAX, auditText, boundAuditTarget } from './audit-target-bounds.js';

describe('audit target bounds', () => {
  it('cuts long text to the limit, marking the cut', () => {
    const text = auditText('x'.repeat(500_000));
    expect(text).toHaveLength(AUDIT_TEXT_MAX);
    expect(text.endsWith('…')).toBe(true);
    expect(auditText('short')).toBe('short');
  });

  it('replaces what Postgres refuses in jsonb (NUL, lone surrogates), also a surrogate pair the cut splits', () => {
    expect(auditText('a\u0000b\ud800c\udc00')).toBe('a\ufffdb\ufffdc\ufffd');
    expect(auditText('ok 😀')).toBe('ok 😀');
    const split = auditText(`${'x'.repeat(AUDIT_TEXT_MAX - 2)}😀😀`);
    expect(split).toBe(`${'x'.repeat(AUDIT_TEXT_MAX - 2)}\ufffd…`);
  });

  it('bounds every string of a target, nested ones and keys too, and keeps a __proto__ key a key', () => {
    const long = 'n'.repeat(10_000);
    const target = JSON.parse(
      `{"__proto__": "p", "name": "${long}", "secrets": [{"name": "${long}"}], "count": 3}`,
    );
    const bounded = boundAuditTarget(target) as Record<string, any>;
    expect(bounded.name).toHaveLength(AUDIT_TARGET_TEXT_MAX);
    expect(bounded.secrets[0].name).toHaveLength(AUDIT_TARGET_TEXT_MAX);
    expect(bounded.count).toBe(3);
    expect(Object.keys(bounded)).toEqual(['__proto__', 'name', 'secrets', 'count']);
    expect(Object.getPrototypeOf(bounded)).toBe(Object.prototype);
  });
});
