import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../errors.js';
import type { ComponentType } from '../../flavors/component-types.js';
import type { Component } from './component.js';
import { validChanges, validRegistration, validUpdate } from './component-input.js';

/** The BAD_USER_INPUT a call throws: its message and issues. */
function refusal(call: () => unknown): { message: string; issues: BadUserInputError['issues'] } {
  try {
    call();
  } catch (error) {
    if (error instanceof BadUserInputError) return { message: error.message, issues: error.issues };
    throw error;
  }
  throw new Error('expected BAD_USER_INPUT');
}

const id = '00000000-0000-4000-8000-000000000001';

describe('validRegistration', () => {
  it('returns the validated configuration and its warnings', () => {
    const validated = validRegistration({
      id,
      type: 'ARTIFACT_STORE',
      name: 'store',
      flavor: 's3',
      configuration: { path: 's3://b', key: '{{creds.key}}' },
    });
    expect(validated.configuration).toEqual({ path: 's3://b', key: '{{creds.key}}' });
    expect(validated.references).toEqual([{ field: 'key', secretName: 'creds', key: 'key' }]);
  });

  it('lists type, name, configuration and flavor problems together, in that order', () => {
    const { message, issues } = refusal(() =>
      validRegistration({ id, type: 'NOPE' as ComponentType, name: '', flavor: 'x', configuration: [] }),
    );
    expect(message).toBe('Invalid component');
    expect(issues.map((i) => i.path)).toEqual(['type', 'name', 'name', 'configuration']);
    expect(issues[0].message).toMatch(/^must be one of ORCHESTRATOR, /);
    expect(issues[1].message).toBe('must not be empty');
    expect(issues[3].message).toBe('must be a JSON object');
  });

  it('checks the configuration against the flavor even when the name is bad', () => {
    const { issues } = refusal(() =>
      validRegistration({
        id,
        type: 'SECRETS_MANAGER',
        name: 'bad name',
        flavor: 'aws',
        configuration: { endpoint_url: 5, bogus: 'x' },
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'configuration.bogus',
      'configuration.endpoint_url',
      'configuration.region_name',
      'name',
    ]);
  });

  it('names the known flavors of a valid type', () => {
    const { issues } = refusal(() =>
      validRegistration({ id, type: 'ORCHESTRATOR', name: 'o', flavor: 'airflow', configuration: {} }),
    );
    expect(issues).toEqual([{ path: 'flavor', message: expect.stringMatching(/known: local, kubernetes/) }]);
  });
});

describe('validChanges and validUpdate', () => {
  it('refuses changes that are not an object', () => {
    expect(refusal(() => validChanges('ORCHESTRATOR', 'x'))).toEqual({
      message: 'Invalid component update',
      issues: [{ path: 'configuration', message: 'must be a JSON object' }],
    });
    expect(validChanges('ORCHESTRATOR', { a: null })).toEqual({ a: null });
  });

  it("revalidates the merged configuration with the stored component's flavor", () => {
    const current: Component = {
      id,
      type: 'SECRETS_MANAGER',
      name: 'sm',
      flavor: 'gcp',
      configuration: { project_id: 'p', scope: 'namespace', namespace: 'ml' },
      sealedFields: [],
      ownerId: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const { message, issues } = refusal(() =>
      validUpdate(current, { ...current.configuration, namespace: 'ML' }),
    );
    expect(message).toBe('Invalid component update');
    expect(issues.map((i) => i.path)).toEqual(['configuration.namespace']);
  });
});
