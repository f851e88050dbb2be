/** Redis channel names (API.md), with the optional deployment prefix. */
export interface Channels {
  audit: string;
  migration(id: string): string;
}

export function createChannels(prefix = ''): Channels {
  return {
    audit: `${prefix}sgw:audit`,
    migration: (id) => `${prefix}sgw:migration:${id}`,
  };
}
