import type { Generated, Selectable } from 'kysely';

/** The one row of ids a remote store's entries are tagged with (deployment, workspace). */
export interface StoreIdentityTable {
  singleton: Generated<boolean>;
  deployment_id: string;
  workspace_id: string;
}
export type StoreIdentityRow = Selectable<StoreIdentityTable>;
