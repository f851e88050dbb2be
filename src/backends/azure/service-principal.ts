import { allOrNone } from '../../flavors/field-rules.js';

/**
 * An Azure service principal: tenant_id, client_id and client_secret, all three or none (then the
 * default Azure credential signs in). The `azure` flavor's rule at registration, and the Azure
 * back-end's own check of the options it is given.
 */
export const servicePrincipalRule = allOrNone(
  ['tenant_id', 'client_id', 'client_secret'],
  'the default Azure credential',
);
