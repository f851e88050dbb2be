import { describe, expect, it } from 'vitest';
import { BadUserInputError, type InputIssue } from '../errors.js';
import { SecretSchemaRegistry } from './secret-schemas.js';

describe('secret schemas', () => {
  const registry = new SecretSchemaRegistry();

  it('coerces like pydantic and fills defaults', () => {
    const issues: InputIssue[] = [];
    const values = registry.normalize(
      registry.get('mysql'),
      { user: 'u', ssl_verify_server_cert: 'True' },
      issues,
    );
    expect(issues).toEqual([]);
    expect(values).toEqual({ user: 'u', ssl_verify_server_cert: 'true' });
    expect(registry.normalize(registry.get('mysql'), {}, issues)).toEqual({
      ssl_verify_server_cert: 'false',
    });
  });

  it('lists every problem: missing, unknown, mistyped keys and bad key names', () => {
    const issues: InputIssue[] = [];
    registry.normalize(
      registry.get('aws'),
      { aws_access_key_id: 'a', region: 'x', '1bad': 'y', name: 'z' },
      issues,
    );
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(['values.1bad', 'values.aws_secret_access_key', 'values.name', 'values.region']);
    const gcpIssues: InputIssue[] = [];
    registry.normalize(registry.get('gcp'), { token: 'not json' }, gcpIssues);
    expect(gcpIssues).toEqual([{ path: 'values.token', message: 'must be a JSON object' }]);
    const boolIssues: InputIssue[] = [];
    registry.normalize(registry.get('mysql'), { ssl_verify_server_cert: 'maybe' }, boolIssues);
    expect(boolIssues[0].message).toMatch(/boolean/);
  });

  it('names the known types for an unknown schema', () => {
    try {
      registry.get('nope');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BadUserInputError);
      expect((error as BadUserInputError).issues[0].message).toMatch(
        /arbitrary, aws, gcp, azure, basic_auth, mysql/,
      );
    }
  });

  it('keeps a gcp token as given when it parses as a JSON object', () => {
    const issues: InputIssue[] = [];
    const token = '{ "type": "service_account" }';
    expect(registry.normalize(registry.get('gcp'), { token }, issues)).toEqual({ token });
  });
});
