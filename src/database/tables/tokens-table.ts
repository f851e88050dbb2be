import type { ColumnType, Generated, Selectable } from 'kysely';

export interface TokensTable {
  id: Generated<string>;
  principal_id: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  created_at: ColumnType<Date, never, never>;
  revoked_at: Date | null;
}
export type TokenRow = Selectable<TokensTable>;
