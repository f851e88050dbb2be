import type { FlavorOptions } from '../backend-options.js';
import type { GcpConnectionOptions } from './gcp-client-options.js';
import { serviceAccountKeyProblem } from './service-account-key.js';

/** The `gcp` back-end's options but its timeout. */
export type GcpOptions = GcpConnectionOptions;

/**
 * The `gcp` flavor's options: project_id, api_endpoint, insecure, credentials_json (a
 * service-account key, checked by the store's reader; unset: application default credentials)
 * and ca_cert.
 */
export const gcpOptions: FlavorOptions<GcpOptions> = {
  parse(read) {
    read.check('credentials_json', serviceAccountKeyProblem);
    return {
      projectId: read.required('project_id'),
      apiEndpoint: read.text('api_endpoint'),
      insecure: read.flag('insecure'),
      credentialsJson: read.text('credentials_json'),
      caCert: read.text('ca_cert'),
    };
  },
  sensitiveFields: ['credentials_json'],
  storeNames: {},
};
