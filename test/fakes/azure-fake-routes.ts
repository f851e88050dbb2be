/** Routing of the Azure Key Vault fake: method and path to a REST operation, named as in Key Vault's REST reference. */
import { methodNotAllowed, VaultError } from './azure-fake-error.js';
import type { PageRequest } from './azure-fake-paging.js';
import type { Reply, Vault } from './azure-fake-vault.js';

/** What an operation sees of its request. */
export interface RequestContext extends PageRequest {
  body: unknown;
}

/** A resolved REST operation, named as in the Key Vault REST reference. */
export interface Operation {
  name: string;
  run: (vault: Vault, ctx: RequestContext) => Reply;
}

function secretsRoute(method: string, name?: string, third?: string, fourth?: string): Operation {
  if (name === undefined) {
    if (method === 'GET') return { name: 'getSecrets', run: (v, c) => v.list(c) };
  } else if (third === 'versions' && fourth === undefined) {
    if (method === 'GET') return { name: 'getSecretVersions', run: (v, c) => v.listVersions(c, name) };
  } else if (third === undefined && method === 'PUT') {
    return { name: 'setSecret', run: (v, c) => v.setSecret(c.base, name, c.body) };
  } else if (third === undefined && method === 'DELETE') {
    return { name: 'deleteSecret', run: (v, c) => v.deleteSecret(c.base, name) };
  } else if (fourth === undefined && method === 'GET') {
    return { name: 'getSecret', run: (v, c) => v.getSecret(c.base, name, third ?? '') };
  } else if (fourth === undefined && method === 'PATCH') {
    return { name: 'updateSecret', run: (v, c) => v.updateSecret(c.base, name, third ?? '', c.body) };
  }
  throw methodNotAllowed();
}

function deletedSecretsRoute(method: string, name?: string, third?: string): Operation {
  if (name === undefined) {
    if (method === 'GET') return { name: 'getDeletedSecrets', run: (v, c) => v.listDeleted(c) };
  } else if (third === 'recover' && method === 'POST') {
    return { name: 'recoverDeletedSecret', run: (v, c) => v.recover(c.base, name) };
  } else if (third === undefined && method === 'GET') {
    return { name: 'getDeletedSecret', run: (v, c) => v.getDeleted(c.base, name) };
  } else if (third === undefined && method === 'DELETE') {
    return { name: 'purgeDeletedSecret', run: (v) => v.purge(name) };
  }
  throw methodNotAllowed();
}

/** Maps method and path segments to an operation. */
export function resolveRoute(method: string, segments: string[]): Operation {
  const [collection, name, third, fourth] = segments;
  if (collection === 'secrets') return secretsRoute(method, name, third, fourth);
  if (collection === 'deletedsecrets' && fourth === undefined)
    return deletedSecretsRoute(method, name, third);
  throw new VaultError(404, 'NotFound', `No such resource: /${segments.join('/')}`);
}

/** Splits `/secrets/name/` into `['secrets', 'name', '']`, keeping an explicit empty version. */
export function splitPath(pathname: string): string[] {
  const parts = pathname.split('/').slice(1).map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === '') return [];
  if (parts.length === 2 && parts[1] === '') return [parts[0]];
  return parts;
}
