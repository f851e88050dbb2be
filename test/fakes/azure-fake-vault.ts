/** The state of the Azure Key Vault fake (secrets, versions, soft-deleted secrets) and its operations. */
import { randomBytes } from 'node:crypto';
import {
  checkName,
  deletedNotFound,
  isRecord,
  nowSeconds,
  secretNotFound,
  VaultError,
} from './azure-fake-error.js';
import { parseSecretInput } from './azure-fake-input.js';
import { type PageRequest, page, sortByKey } from './azure-fake-paging.js';

/** One version of a secret; Key Vault keeps tags, content type and attributes per version. */
export interface AzureSecretVersionState {
  /** 32 lowercase hex characters. */
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  /** Unix seconds. */
  notBefore?: number;
  expires?: number;
  created: number;
  updated: number;
}

/** A secret and its versions (oldest first). */
export interface AzureSecretState {
  /** Name with the casing it was created with (lookups are case-insensitive). */
  name: string;
  versions: AzureSecretVersionState[];
}

/** A soft-deleted secret awaiting recovery or purge. */
export interface AzureDeletedSecretState extends AzureSecretState {
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** Optional properties for {@link AzureKeyVaultFake.put}. */
export interface AzureSecretSeed {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
}

const RECOVERABLE_DAYS = 90;
const RECOVERY_LEVEL = 'Recoverable+Purgeable';

const newVersionId = () => randomBytes(16).toString('hex');

function attributesOf(v: AzureSecretVersionState): Record<string, unknown> {
  return {
    enabled: v.enabled,
    nbf: v.notBefore,
    exp: v.expires,
    created: v.created,
    updated: v.updated,
    recoveryLevel: RECOVERY_LEVEL,
    recoverableDays: RECOVERABLE_DAYS,
  };
}

/** SecretItem (no value); `withVersion` for version listings. */
function itemOf(base: string, secret: AzureSecretState, v: AzureSecretVersionState, withVersion: boolean) {
  return {
    id: `${base}/secrets/${secret.name}${withVersion ? `/${v.version}` : ''}`,
    attributes: attributesOf(v),
    tags: v.tags,
    contentType: v.contentType,
  };
}

function bundleOf(base: string, secret: AzureSecretState, v: AzureSecretVersionState, withValue: boolean) {
  return { value: withValue ? v.value : undefined, ...itemOf(base, secret, v, true) };
}

function deletedFields(base: string, secret: AzureDeletedSecretState) {
  return {
    recoveryId: `${base}/deletedsecrets/${secret.name}`,
    deletedDate: secret.deletedDate,
    scheduledPurgeDate: secret.scheduledPurgeDate,
  };
}

export type Reply = { status: number; body?: unknown };

export class Vault {
  readonly secrets = new Map<string, AzureSecretState>();
  readonly deleted = new Map<string, AzureDeletedSecretState>();
  /** Secrets being recovered (Key Vault recovers asynchronously): invisible, and their name can't be set. */
  readonly recovering = new Map<string, { secret: AzureSecretState; until: number }>();
  /** How long a recovery takes, in milliseconds (0: at once). */
  recoveryMs = 0;

  /** Finishes the recoveries whose time has come. */
  private settle(): void {
    const now = Date.now();
    for (const [key, { secret, until }] of this.recovering) {
      if (until > now) continue;
      this.recovering.delete(key);
      this.secrets.set(key, secret);
    }
  }

  put(name: string, value: string, seed: AzureSecretSeed = {}): AzureSecretVersionState {
    const key = name.toLowerCase();
    const secret = this.secrets.get(key) ?? { name, versions: [] };
    const now = nowSeconds();
    const version: AzureSecretVersionState = {
      version: newVersionId(),
      value,
      contentType: seed.contentType,
      tags: seed.tags ? { ...seed.tags } : undefined,
      enabled: seed.enabled ?? true,
      created: now,
      updated: now,
    };
    secret.versions.push(version);
    this.secrets.set(key, secret);
    return version;
  }

  private live(name: string): AzureSecretState {
    this.settle();
    const secret = this.secrets.get(checkName(name).toLowerCase());
    if (!secret) throw secretNotFound(name);
    return secret;
  }

  private versionOf(name: string, version: string): { secret: AzureSecretState; v: AzureSecretVersionState } {
    const secret = this.live(name);
    const v = version
      ? secret.versions.find((x) => x.version === version.toLowerCase())
      : secret.versions.at(-1);
    if (!v) throw secretNotFound(`${name}/${version}`);
    return { secret, v };
  }

  setSecret(base: string, name: string, body: unknown): Reply {
    checkName(name);
    this.settle();
    const key = name.toLowerCase();
    if (this.recovering.has(key)) {
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is currently being recovered and cannot be re-created; retry later.`,
        'ObjectIsBeingRecovered',
      );
    }
    if (this.deleted.has(key)) {
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable',
      );
    }
    const input = parseSecretInput(body, true);
    const v = this.put(name, input.value as string, {
      contentType: input.contentType,
      tags: input.tags,
      enabled: input.attributes?.enabled,
    });
    v.notBefore = input.attributes?.nbf;
    v.expires = input.attributes?.exp;
    return { status: 200, body: bundleOf(base, this.secrets.get(key)!, v, true) };
  }

  getSecret(base: string, name: string, version: string): Reply {
    const { secret, v } = this.versionOf(name, version);
    if (!v.enabled) {
      throw new VaultError(
        403,
        'Forbidden',
        'Operation get is not allowed on a disabled secret.',
        'SecretDisabled',
      );
    }
    return { status: 200, body: bundleOf(base, secret, v, true) };
  }

  updateSecret(base: string, name: string, version: string, body: unknown): Reply {
    const { secret, v } = this.versionOf(name, version);
    const input = parseSecretInput(body, false);
    if (isRecord(body) && 'contentType' in body) v.contentType = input.contentType;
    if (isRecord(body) && 'tags' in body) v.tags = input.tags;
    const attrs = input.attributes ?? {};
    if (attrs.enabled !== undefined) v.enabled = attrs.enabled;
    if (attrs.nbf !== undefined) v.notBefore = attrs.nbf;
    if (attrs.exp !== undefined) v.expires = attrs.exp;
    v.updated = nowSeconds();
    return { status: 200, body: bundleOf(base, secret, v, false) };
  }

  deleteSecret(base: string, name: string): Reply {
    const secret = this.live(name);
    const now = nowSeconds();
    const deleted: AzureDeletedSecretState = {
      ...secret,
      deletedDate: now,
      scheduledPurgeDate: now + RECOVERABLE_DAYS * 86_400,
    };
    this.secrets.delete(name.toLowerCase());
    this.deleted.set(name.toLowerCase(), deleted);
    return { status: 200, body: this.deletedBundle(base, deleted) };
  }

  private deletedBundle(base: string, secret: AzureDeletedSecretState) {
    return { ...deletedFields(base, secret), ...bundleOf(base, secret, secret.versions.at(-1)!, false) };
  }

  private deletedOne(name: string): AzureDeletedSecretState {
    const secret = this.deleted.get(checkName(name).toLowerCase());
    if (!secret) throw deletedNotFound(name);
    return secret;
  }

  getDeleted(base: string, name: string): Reply {
    return { status: 200, body: this.deletedBundle(base, this.deletedOne(name)) };
  }

  purge(name: string): Reply {
    this.deleted.delete(this.deletedOne(name).name.toLowerCase());
    return { status: 204 };
  }

  recover(base: string, name: string): Reply {
    this.settle();
    const { deletedDate: _d, scheduledPurgeDate: _s, ...secret } = this.deletedOne(name);
    this.deleted.delete(name.toLowerCase());
    this.recovering.set(name.toLowerCase(), { secret, until: Date.now() + this.recoveryMs });
    this.settle();
    return { status: 200, body: bundleOf(base, secret, secret.versions.at(-1)!, false) };
  }

  list(req: PageRequest): Reply {
    this.settle();
    const sorted = sortByKey([...this.secrets.entries()]);
    const body = page(
      sorted,
      ([key]) => key,
      ([, s]) => itemOf(req.base, s, s.versions.at(-1)!, false),
      req,
    );
    return { status: 200, body };
  }

  listDeleted(req: PageRequest): Reply {
    const sorted = sortByKey([...this.deleted.entries()]);
    const toItem = ([, s]: [string, AzureDeletedSecretState]) => ({
      ...deletedFields(req.base, s),
      ...itemOf(req.base, s, s.versions.at(-1)!, false),
    });
    return { status: 200, body: page(sorted, ([key]) => key, toItem, req) };
  }

  listVersions(req: PageRequest, name: string): Reply {
    const secret = this.live(name);
    const indexed = secret.versions.map((v, i) => ({ v, key: String(i).padStart(8, '0') }));
    const body = page(
      indexed,
      (x) => x.key,
      (x) => itemOf(req.base, secret, x.v, true),
      req,
    );
    return { status: 200, body };
  }
}
