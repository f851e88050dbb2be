import { AzureAuthorityHosts } from '@azure/identity';

/** Origins of Azure's own clouds, whose authorities Microsoft's instance discovery knows. */
const AZURE_CLOUDS = new Set<string>(Object.values(AzureAuthorityHosts));

/**
 * Why an `authority_host` value is refused, if it is: it must be an https origin such as
 * `https://login.microsoftonline.us` (MSAL refuses plain http); '' counts as unset.
 */
export function authorityHostProblem(value: unknown): string | undefined {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    return 'must be a URL such as https://login.microsoftonline.com';
  }
  if (url.protocol !== 'https:') return 'must be an https URL (Entra ID signs in over TLS only)';
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '')
    return 'must be an origin (https://host[:port]), without path, query or user';
  return undefined;
}

/**
 * Whether sign-in should skip Microsoft's instance discovery: only for an authority outside
 * Azure's clouds (a private cloud or a local fake), which that discovery does not know.
 * `authorityHost` unset: AZURE_AUTHORITY_HOST, as @azure/identity reads it.
 */
export function skipsInstanceDiscovery(authorityHost: string | undefined): boolean {
  const host = authorityHost || process.env.AZURE_AUTHORITY_HOST;
  if (!host) return false;
  try {
    return !AZURE_CLOUDS.has(new URL(host).origin);
  } catch {
    return true;
  }
}
