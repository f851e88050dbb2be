import { randomUUID } from 'node:crypto';
import type { StoreIdentity } from '../../backends/zenml-store-layout.js';
import type { Executor } from '../../database/database.js';

/**
 * The deployment and workspace ids of this gateway's remote store entries: the row kept in
 * `store_identity`, written on first use (generated ids), replaced by SGW_DEPLOYMENT_ID /
 * SGW_WORKSPACE_ID when they are set (adopting a ZenML server's store). Replicas agree: the first
 * insert wins, the others read it.
 */
export async function loadStoreIdentity(
  db: Executor,
  adopt: { deploymentId?: string; workspaceId?: string },
): Promise<StoreIdentity> {
  await db
    .insertInto('store_identity')
    .values({
      deployment_id: adopt.deploymentId ?? randomUUID(),
      workspace_id: adopt.workspaceId ?? randomUUID(),
    })
    .onConflict((oc) => oc.column('singleton').doNothing())
    .execute();
  if (adopt.deploymentId || adopt.workspaceId)
    await db
      .updateTable('store_identity')
      .set({
        ...(adopt.deploymentId ? { deployment_id: adopt.deploymentId } : {}),
        ...(adopt.workspaceId ? { workspace_id: adopt.workspaceId } : {}),
      })
      .execute();
  const row = await db.selectFrom('store_identity').selectAll().executeTakeFirstOrThrow();
  return { deploymentId: row.deployment_id, workspaceId: row.workspace_id };
}
