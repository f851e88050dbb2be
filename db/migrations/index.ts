import type { Migration } from 'kysely';
import * as m0001 from './0001_create_core.js';

/** Every migration by name, in order. Add new files here; never edit a landed one. */
export const migrations: Record<string, Migration> = {
  '0001_create_core': m0001,
};
