import { builder } from './builder.js';

/** Where a page ends: the cursor to pass as `after` for the next one. */
interface PageEnd {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Relay's `PageInfo`, shared by every connection (secrets, audit events). */
export const PageInfo = builder.objectRef<PageEnd>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});
