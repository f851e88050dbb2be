/** Redis channel names (API.md), with the optional deployment prefix. */
export interface Channels {
  audit: string;
  /** Signed audit checkpoints, as they are made. */
  auditCheckpoint: string;
  /** Token revocations and role changes (ends subscriptions on every replica). */
  access: string;
  migration(id: string): string;
}

export function createChannels(prefix = ''): Channels {
  return {
    audit: `${prefix}sgw:audit`,
    auditCheckpoint: `${prefix}sgw:audit:checkpoint`,
    access: `${prefix}sgw:access`,
    migration: (id) => `${prefix}sgw:migration:${id}`,
  };
}
