/** The in-memory Secret Manager of the GCP fake: one method per RPC, raising the service's statuses. */
import * as grpc from '@grpc/grpc-js';
import { compileFilter } from './gcp-fake-filter.js';
import { paginate } from './gcp-fake-paging.js';
import {
  applyUpdatePath,
  checkEtag,
  type GcpSecretSeed,
  type GcpSecretState,
  type GcpSecretVersionState,
  normaliseAliases,
  PARENT,
  parseSecretName,
  parseVersionName,
  replicationOf,
  SECRET_ID,
  secretLookup,
  secretMessage,
  validateLabels,
  validatePayload,
  versionLookup,
  versionMessage,
} from './gcp-fake-secrets.js';
import {
  type AddVersionRequest,
  type CreateSecretRequest,
  crc32c,
  invalid,
  type ListRequest,
  type NameRequest,
  newEtag,
  notFound,
  precondition,
  RpcError,
  type UpdateSecretRequest,
} from './gcp-fake-wire.js';

export class SecretStore {
  readonly secrets = new Map<string, GcpSecretState>();
  defaultPageSize = 100;

  require(name: string): GcpSecretState {
    const secret = this.secrets.get(name);
    if (!secret) throw notFound(`Secret [${name}] not found.`);
    return secret;
  }

  /** Resolves `latest`, a number or an alias to a stored version. */
  resolveVersion(versionName: string | undefined): {
    secret: GcpSecretState;
    version: GcpSecretVersionState;
  } {
    const { secret: secretName, spec } = parseVersionName(versionName);
    const secret = this.secrets.get(secretName);
    if (!secret) throw notFound(`Secret [${secretName}] not found or has no versions.`);
    const number = this.versionNumber(secret, spec);
    const version = number === undefined ? undefined : secret.versions[number - 1];
    if (!version) throw notFound(`Secret Version [${versionName}] not found.`);
    return { secret, version };
  }

  private versionNumber(secret: GcpSecretState, spec: string): number | undefined {
    if (spec === 'latest') {
      if (secret.versions.length === 0)
        throw notFound(`Secret [${secret.name}] not found or has no versions.`);
      return secret.versions.length;
    }
    if (/^[0-9]+$/.test(spec)) return Number(spec);
    return secret.versionAliases[spec];
  }

  put(name: string, seed: GcpSecretSeed = {}): GcpSecretState {
    const secret: GcpSecretState = {
      name: parseSecretName(name),
      labels: { ...seed.labels },
      annotations: { ...seed.annotations },
      versionAliases: {},
      replication: { automatic: {} },
      createTime: new Date(),
      etag: newEtag(),
      versions: [],
    };
    for (const data of seed.versions ?? []) this.appendVersion(secret, Buffer.from(data), false);
    this.secrets.set(secret.name, secret);
    return secret;
  }

  appendVersion(secret: GcpSecretState, data: Buffer, checksummed: boolean): GcpSecretVersionState {
    const version: GcpSecretVersionState = {
      version: secret.versions.length + 1,
      data,
      state: 'ENABLED',
      createTime: new Date(),
      clientSpecifiedPayloadChecksum: checksummed,
      etag: newEtag(),
    };
    secret.versions.push(version);
    return version;
  }

  createSecret(req: CreateSecretRequest): Record<string, unknown> {
    if (!req.parent || !PARENT.test(req.parent)) throw invalid(`Invalid parent: ${req.parent}`);
    if (!req.secretId || !SECRET_ID.test(req.secretId)) {
      throw invalid(
        `Invalid secret_id "${req.secretId ?? ''}": it must be 1-255 characters of letters, digits, underscores and dashes.`,
      );
    }
    const input = req.secret ?? {};
    const regional = req.parent.includes('/locations/');
    if (!regional && !input.replication?.automatic && !input.replication?.userManaged) {
      throw invalid('Secret.replication must be set (automatic or user_managed).');
    }
    validateLabels(input.labels ?? {});
    const name = `${req.parent}/secrets/${req.secretId}`;
    if (this.secrets.has(name))
      throw new RpcError(grpc.status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
    const secret = this.put(name, { labels: input.labels, annotations: input.annotations });
    secret.replication = regional ? {} : replicationOf(input.replication);
    secret.versionAliases = normaliseAliases(input.versionAliases);
    return secretMessage(secret);
  }

  getSecret(req: NameRequest): Record<string, unknown> {
    return secretMessage(this.require(parseSecretName(req.name)));
  }

  updateSecret(req: UpdateSecretRequest): Record<string, unknown> {
    const secret = this.require(parseSecretName(req.secret?.name));
    const paths = req.updateMask?.paths ?? [];
    if (paths.length === 0) throw invalid('update_mask must name at least one field.');
    checkEtag(secret.etag, req.secret?.etag);
    for (const p of paths) applyUpdatePath(secret, p, req.secret ?? {});
    secret.etag = newEtag();
    return secretMessage(secret);
  }

  deleteSecret(req: NameRequest): Record<string, never> {
    const secret = this.require(parseSecretName(req.name));
    checkEtag(secret.etag, req.etag);
    this.secrets.delete(secret.name);
    return {};
  }

  listSecrets(req: ListRequest): Record<string, unknown> {
    if (!req.parent || !PARENT.test(req.parent)) throw invalid(`Invalid parent: ${req.parent}`);
    const predicate = compileFilter(req.filter);
    const prefix = `${req.parent}/secrets/`;
    const matching = [...this.secrets.values()]
      .filter((s) => s.name.startsWith(prefix) && !s.name.slice(prefix.length).includes('/'))
      .filter((s) => predicate(secretLookup(s)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { page, nextPageToken } = paginate(matching, (s) => s.name, req, this.defaultPageSize);
    return {
      secrets: page.map(secretMessage),
      nextPageToken,
      totalSize: req.filter ? 0 : matching.length,
    };
  }

  addSecretVersion(req: AddVersionRequest): Record<string, unknown> {
    const secret = this.require(parseSecretName(req.parent));
    const data = validatePayload(req.payload);
    const checksummed = req.payload?.dataCrc32c !== undefined && req.payload?.dataCrc32c !== null;
    return versionMessage(secret, this.appendVersion(secret, data, checksummed));
  }

  accessSecretVersion(req: NameRequest): Record<string, unknown> {
    const { secret, version } = this.resolveVersion(req.name);
    if (version.state !== 'ENABLED') {
      throw precondition(
        `Secret Version [${secret.name}/versions/${version.version}] is in ${version.state} state.`,
      );
    }
    return {
      name: `${secret.name}/versions/${version.version}`,
      payload: { data: version.data, dataCrc32c: crc32c(version.data) },
    };
  }

  getSecretVersion(req: NameRequest): Record<string, unknown> {
    const { secret, version } = this.resolveVersion(req.name);
    return versionMessage(secret, version);
  }

  listSecretVersions(req: ListRequest): Record<string, unknown> {
    const secret = this.require(parseSecretName(req.parent));
    const predicate = compileFilter(req.filter);
    const newestFirst = [...secret.versions].reverse().filter((v) => predicate(versionLookup(secret, v)));
    const keyOf = (v: GcpSecretVersionState) => String(1e12 - v.version).padStart(13, '0');
    const { page, nextPageToken } = paginate(newestFirst, keyOf, req, this.defaultPageSize);
    return {
      versions: page.map((v) => versionMessage(secret, v)),
      nextPageToken,
      totalSize: req.filter ? 0 : newestFirst.length,
    };
  }

  setVersionState(req: NameRequest, target: GcpSecretVersionState['state']): Record<string, unknown> {
    const { secret, version } = this.resolveVersion(req.name);
    checkEtag(version.etag, req.etag);
    if (version.state === 'DESTROYED') {
      throw precondition(
        `Secret Version [${secret.name}/versions/${version.version}] is in DESTROYED state.`,
      );
    }
    version.state = target;
    version.etag = newEtag();
    if (target === 'DESTROYED') {
      version.data = Buffer.alloc(0);
      version.destroyTime = new Date();
    }
    return versionMessage(secret, version);
  }
}
