import type { OptionReader } from './option-reader.js';
import type { StoreNames } from './store-option-reader.js';

/**
 * What one flavor's options module holds: how its options are read (from a component's
 * configuration or the store's variables, see OptionReader), which fields are credentials (sealed
 * in a stored component) and the store's other spellings.
 */
export interface FlavorOptions<T> {
  /** Reads the adapter's options (all but the timeout); the store's reader throws for a bad one. */
  parse(read: OptionReader): T;
  /** Fields whose values are credentials. */
  sensitiveFields: readonly string[];
  /** The store's spellings of fields (`SGW_SECRETS_STORE_<NAME>`), where it has others. */
  storeNames: StoreNames;
}
