import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import { guardedAgents } from '../../security/guarded-connections.js';

/**
 * A pipeline policy that sends every request (retries and redirects included) through agents
 * that connect only where the endpoint policy allows, checked on each connection's address.
 */
export function guardedConnectionsPolicy(endpoints: EndpointPolicy): PipelinePolicy {
  const agents = guardedAgents(endpoints);
  return {
    name: 'sgwGuardedConnections',
    sendRequest(request, next) {
      request.agent = request.url.startsWith('https:') ? agents.https : agents.http;
      return next(request);
    },
  };
}
