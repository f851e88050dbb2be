import { describe, expect, it } from 'vitest';
import { credentialDestination, repointingIssues } from './credential-destinations.js';
import { findFlavor, listFlavors } from './flavor-catalog.js';

/** Field names that say where a request goes. */
const LOOKS_LIKE_DESTINATION = /(url|uri|endpoint|host|region|project|vault_name|account_name)$/;

describe('credential destinations', () => {
  it('name only fields of their flavor, and every destination-like field of a flavor with credentials', () => {
    for (const flavor of listFlavors()) {
      const names = flavor.configFields.map((f) => f.name);
      const { where, identities } = credentialDestination(flavor);
      expect(names).toEqual(expect.arrayContaining([...where, ...identities]));
      if (!flavor.configFields.some((f) => f.sensitive)) continue;
      const destinationLike = names.filter((n) => LOOKS_LIKE_DESTINATION.test(n));
      expect([flavor.type, flavor.name, where]).toEqual([
        flavor.type,
        flavor.name,
        expect.arrayContaining(destinationLike),
      ]);
    }
  });

  it('asks for the credentials set before when a destination changes, not otherwise', () => {
    const vault = findFlavor('SECRETS_MANAGER', 'vault')!;
    const current = { url: 'https://vault.example', token: 't', mount_point: 'secret' };
    expect(
      repointingIssues(vault, current, { ...current, mount_point: 'kv' }, { mount_point: 'kv' }),
    ).toEqual([]);
    const moved = { ...current, url: 'https://elsewhere.example' };
    expect(repointingIssues(vault, current, moved, { url: moved.url }).map((i) => i.path)).toEqual([
      'configuration.token',
    ]);
    expect(repointingIssues(vault, current, moved, { url: moved.url, token: 'new' })).toEqual([]);
  });
});
