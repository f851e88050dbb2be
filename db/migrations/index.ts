import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_core.js';
import * as m0002 from './0002_create_migration_jobs.js';
import * as m0003 from './0003_create_audit_pending.js';
import * as m0004 from './0004_record_component_owners.js';
import * as m0005 from './0005_record_source_deletions.js';
import * as m0006 from './0006_pin_store_versions.js';
import * as m0007 from './0007_create_audit_checkpoints.js';
import * as m0008 from './0008_create_audit_sink_cursors.js';
import * as m0009 from './0009_index_audit_filters.js';
import * as m0010 from './0010_store_identity.js';
import * as m0011 from './0011_keep_secret_history.js';
import * as m0012 from './0012_track_unpublished_audit_events.js';

/** Every migration by name, in order. Add new files here; never edit a landed one. */
export const migrations: Record<string, Migration> = {
  '0001_create_core': m0001,
  '0002_create_migration_jobs': m0002,
  '0003_create_audit_pending': m0003,
  '0004_record_component_owners': m0004,
  '0005_record_source_deletions': m0005,
  '0006_pin_store_versions': m0006,
  '0007_create_audit_checkpoints': m0007,
  '0008_create_audit_sink_cursors': m0008,
  '0009_index_audit_filters': m0009,
  '0010_store_identity': m0010,
  '0011_keep_secret_history': m0011,
  '0012_track_unpublished_audit_events': m0012,
};
