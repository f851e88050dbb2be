import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from '../python/python-json.js';
import { gcpTimestamp, pythonIsoformat, zenmlSecretOf } from './zenml-store-layout.js';

// Expected texts printed by Python 3 (json.dumps, datetime.isoformat / strftime), as ZenML's
// secrets stores call them (zen_stores/secrets_stores/*_secrets_store.py, 0.40-0.45).
describe("ZenML's serializations", () => {
  it('json.dumps: default separators, ensure_ascii, nesting', () => {
    expect(pythonJsonDumps({})).toBe('{}');
    expect(pythonJsonDumps({ a: { b: 'c' }, l: ['x', true, null] })).toBe(
      '{"a": {"b": "c"}, "l": ["x", true, null]}',
    );
    expect(pythonJsonDumps('\ud800x\u2028\u0000')).toBe(String.raw`"\ud800x\u2028\u0000"`);
  });

  it('isoformat() drops a zero fraction, else prints microseconds; GCP labels use %Y-%m-%d-%H-%M-%S', () => {
    expect(pythonIsoformat(new Date('2024-01-02T03:04:05.001Z'))).toBe('2024-01-02T03:04:05.001000');
    expect(pythonIsoformat(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05');
    expect(gcpTimestamp(new Date('2024-01-02T03:04:05.999Z'))).toBe('2024-01-02-03-04-05');
  });

  it("reads a secret from metadata only with this deployment's tag and every key ZenML requires", () => {
    const deployment = '0c40aa00-1111-4222-8333-444455556666';
    const metadata = {
      zenml: deployment,
      zenml_secret_id: 'A0000000-0000-4000-8000-000000040001',
      zenml_secret_name: 'db',
      zenml_secret_scope: 'user',
      zenml_secret_workspace: '5e1d4c2b-9a0f-4e8b-8c1d-2f3a4b5c6d7e',
      zenml_secret_user: 'd1a2b3c4-0000-4000-8000-000000000040',
    };
    expect(zenmlSecretOf(metadata, deployment)).toEqual({
      id: 'a0000000-0000-4000-8000-000000040001',
      name: 'db',
      scope: 'USER',
      workspaceId: metadata.zenml_secret_workspace,
      userId: metadata.zenml_secret_user,
    });
    expect(zenmlSecretOf(metadata, 'another-deployment')).toBeUndefined();
    expect(zenmlSecretOf({ ...metadata, zenml_secret_scope: 'project' }, deployment)).toBeUndefined();
    const { zenml_secret_user: _user, ...noUser } = metadata;
    expect(zenmlSecretOf(noUser, deployment)).toBeUndefined();
  });
});
