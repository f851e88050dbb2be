import type { FlavorOptions } from '../backend-options.js';
import type { AwsBackendOptions } from './aws-backend.js';

/** The `aws` back-end's options but its timeout. */
export type AwsOptions = Omit<AwsBackendOptions, 'timeoutMs'>;

/**
 * The `aws` flavor's options: region_name (the store also reads `region`), endpoint_url, and an
 * access key (aws_access_key_id with aws_secret_access_key, aws_session_token), else the SDK's
 * default credential chain.
 */
export const awsOptions: FlavorOptions<AwsOptions> = {
  parse(read) {
    read.together(['aws_access_key_id', 'aws_secret_access_key']);
    return {
      region: read.required('region_name'),
      endpoint: read.text('endpoint_url'),
      accessKeyId: read.text('aws_access_key_id'),
      secretAccessKey: read.text('aws_secret_access_key'),
      sessionToken: read.text('aws_session_token'),
    };
  },
  sensitiveFields: ['aws_secret_access_key', 'aws_session_token'],
  storeNames: { region_name: ['region_name', 'region'] },
};
