import { builder } from './builder.js';
import './principals.js';
import './flavors.js';
import './stacks.js';
import './secrets.js';
import './secret-history.js';
import './secret-references.js';
import './secret-changes.js';
import './audit.js';
import './audit-sinks.js';
import './audit-checkpoints.js';
import './managed-secrets.js';
import './migration.js';

/** The whole GraphQL schema, built from the area files. */
export const schema = builder.toSchema();
