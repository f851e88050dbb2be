import { X509Certificate } from 'node:crypto';

/**
 * Why a `ca_cert` value is refused, if it is: it must hold PEM certificates (`-----BEGIN
 * CERTIFICATE-----`), the first of which parses; '' counts as unset.
 */
export function pemCertificateProblem(value: unknown): string | undefined {
  if (value === '') return undefined;
  const text = String(value);
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    return 'must be PEM certificates (-----BEGIN CERTIFICATE-----)';
  try {
    new X509Certificate(text);
    return undefined;
  } catch {
    return 'must be PEM certificates; the first one does not parse';
  }
}
