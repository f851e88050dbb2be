import type { EndpointPolicy } from './endpoint-policy.js';

/** One option of a flavor that says where the gateway connects, and what is wrong with a value. */
export interface EndpointCheck {
  /** The flavor's field (configuration field, store option). */
  field: string;
  /** Why the value is refused, or undefined; '' counts as unset. */
  problem(value: string): string | undefined;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** An http(s) URL's host checked against the policy. */
function urlProblem(policy: EndpointPolicy, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http or https URL';
  }
  if (!Object.hasOwn(DEFAULT_PORTS, url.protocol)) return 'must be an http or https URL';
  return policy.hostProblem(url.hostname, Number(url.port) || DEFAULT_PORTS[url.protocol]);
}

/** A gRPC `host:port` (a scheme is ignored, as the gcp adapter does; default port 443). */
function hostPortProblem(policy: EndpointPolicy, value: string): string | undefined {
  const withoutScheme = value.replace(/^[a-z]+:\/\//, '');
  let url: URL;
  try {
    url = new URL(`https://${withoutScheme}`);
  } catch {
    return 'must be host:port';
  }
  const port = /:(\d+)$/.exec(withoutScheme)?.[1];
  return policy.hostProblem(url.hostname, port ? Number(port) : 443);
}

/** The `token_uri` of a service-account key: where the gateway sends its sign-in assertion. */
function tokenUriProblem(policy: EndpointPolicy, value: string): string | undefined {
  let tokenUri: unknown;
  try {
    tokenUri = (JSON.parse(value) as { token_uri?: unknown } | null)?.token_uri;
  } catch {
    return undefined; // not JSON: the key's own check says so
  }
  if (typeof tokenUri !== 'string') return undefined;
  const problem = urlProblem(policy, tokenUri);
  return problem && `has a token_uri that ${problem}`;
}

/** A Key Vault name becomes the host `<name>.vault.azure.net`: letters, digits and dashes only. */
function keyVaultNameProblem(policy: EndpointPolicy, name: string): string | undefined {
  if (!/^[A-Za-z0-9-]{1,63}$/.test(name)) return 'must be a Key Vault name (letters, digits and -)';
  return urlProblem(policy, `https://${name}.vault.azure.net`);
}

const check = (
  field: string,
  policy: EndpointPolicy,
  problemOf: (policy: EndpointPolicy, value: string) => string | undefined,
): EndpointCheck => ({ field, problem: (value) => (value === '' ? undefined : problemOf(policy, value)) });

/**
 * The endpoint checks of a secrets manager flavor (the store's kinds by their flavor): every
 * option that names a host the gateway connects to and sends credentials to. Other flavors: none.
 */
export function endpointChecks(flavor: string, policy: EndpointPolicy): EndpointCheck[] {
  switch (flavor) {
    case 'aws':
      return [check('endpoint_url', policy, urlProblem)];
    case 'gcp':
      return [
        check('api_endpoint', policy, hostPortProblem),
        check('credentials_json', policy, tokenUriProblem),
      ];
    case 'azure':
      return [
        check('vault_url', policy, urlProblem),
        check('key_vault_name', policy, keyVaultNameProblem),
        check('authority_host', policy, urlProblem),
      ];
    case 'vault':
      return [check('url', policy, urlProblem)];
    default:
      return [];
  }
}

/**
 * Adds an issue (`<path>.<field>`) for every endpoint of a secrets manager's configuration that
 * the policy refuses, skipping fields that have an issue already.
 */
export function addEndpointIssues(
  flavor: string,
  configuration: Record<string, unknown>,
  policy: EndpointPolicy,
  issues: Array<{ path: string; message: string }>,
  path = 'configuration',
): void {
  for (const { field, problem } of endpointChecks(flavor, policy)) {
    const value = configuration[field];
    const at = `${path}.${field}`;
    if (typeof value !== 'string' || issues.some((issue) => issue.path === at)) continue;
    const message = problem(value);
    if (message) issues.push({ path: at, message });
  }
}
