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

  it('keeps a gcp token as given, JSON or not (ZenML 0.35-0.45: token is any string)', () => {
    for (const token of ['{ "type": "service_account" }', 'not json', '[1, 2]']) {
      const issues: InputIssue[] = [];
      expect(registry.normalize(registry.get('gcp'), { token }, issues)).toEqual({ token });
      expect(issues).toEqual([]);
    }
  });

  it('orders a typed schema by declaration (pydantic dict order), other keys as given', () => {
    const issues: InputIssue[] = [];
    const aws = registry.normalize(
      registry.get('aws'),
      { aws_session_token: 't', aws_secret_access_key: 's', aws_access_key_id: 'a' },
      issues,
    );
    expect(Object.keys(aws)).toEqual(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']);
    const azure = registry.normalize(registry.get('azure'), { tenant_id: 't', account_name: 'n' }, issues);
    expect(Object.keys(azure)).toEqual(['account_name', 'tenant_id']);
    const arbitrary = registry.normalize(registry.get('arbitrary'), { zeta: '1', alpha: '2' }, issues);
    expect(Object.keys(arbitrary)).toEqual(['zeta', 'alpha']);
    expect(issues).toEqual([]);
  });
});
