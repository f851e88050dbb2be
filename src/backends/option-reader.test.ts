import { describe, expect, it } from 'vitest';
import { findFlavor } from '../flavors/flavor-catalog.js';
import { awsOptions } from './aws/aws-options.js';
import { FLAVOR_OPTIONS } from './create-backend.js';
import { configurationReader } from './option-reader.js';
import { storeOptionReader } from './store-option-reader.js';
import { vaultOptions } from './vault/vault-options.js';

describe('storeOptionReader', () => {
  it('reads a field under its store spellings and names the first in messages', () => {
    const read = storeOptionReader({ region: 'eu-west-1' }, awsOptions.storeNames);
    expect(read.required('region_name')).toBe('eu-west-1');
    expect(() => storeOptionReader({}, awsOptions.storeNames).required('region_name')).toThrow(
      'option region_name is required (SGW_SECRETS_STORE_REGION_NAME)',
    );
  });

  it('refuses a partial group, both ways of signing in, and neither', () => {
    const partial = storeOptionReader({ role_id: 'r' }, vaultOptions.storeNames);
    expect(() => partial.together(['role_id', 'secret_id'])).toThrow(
      'options role_id and secret_id go together (SGW_SECRETS_STORE_ROLE_ID, SGW_SECRETS_STORE_SECRET_ID)',
    );
    const both = storeOptionReader({ token: 't', role_id: 'r', secret_id: 's' }, vaultOptions.storeNames);
    expect(() => both.eitherOr(['token'], ['role_id', 'secret_id'])).toThrow(
      'give option vault_token or role_id and secret_id, not both',
    );
    expect(() => storeOptionReader({}, vaultOptions.storeNames).eitherOr(['token'], ['role_id'])).toThrow(
      'option vault_token (or role_id) is required (SGW_SECRETS_STORE_VAULT_TOKEN, or SGW_SECRETS_STORE_ROLE_ID)',
    );
  });

  it('reads flags as text and hands a custom store every other option', () => {
    const read = storeOptionReader({ insecure: 'Yes', class_path: 'x.js', file: '/tmp/f' });
    expect(read.flag('insecure')).toBe(true);
    expect(read.flag('allow_insecure')).toBe(false);
    expect(read.others(['class_path'])).toEqual({ insecure: 'Yes', file: '/tmp/f' });
  });
});

describe('configurationReader', () => {
  it('reads a validated configuration without checking it again', () => {
    const read = configurationReader({ url: 'http://v', token: '', insecure: 'true', role_id: 'r' });
    expect(read.text('token')).toBeUndefined();
    expect(read.flag('insecure')).toBe(false);
    expect(() => read.together(['role_id', 'secret_id'])).not.toThrow();
    expect(vaultOptions.parse(read)).toMatchObject({
      url: 'http://v',
      token: undefined,
      appRole: { roleId: 'r', secretId: '' },
    });
  });
});

describe('sensitive fields', () => {
  it.each(Object.entries(FLAVOR_OPTIONS))('are those the catalog marks for the %s flavor', (name, spec) => {
    const flavor = findFlavor('SECRETS_MANAGER', name);
    const marked = flavor?.configFields.filter((field) => field.sensitive).map((field) => field.name);
    expect(marked).toEqual([...spec.sensitiveFields]);
  });
});
