import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A self-signed certificate for 127.0.0.1 and localhost, for fakes that must speak TLS. */
export interface TestCertificate {
  cert: string;
  key: string;
  /** The certificate's file: `NODE_EXTRA_CA_CERTS` for processes that must trust the fakes. */
  certFile: string;
}

const DIR = path.join(tmpdir(), 'sgw-test-tls');
let cached: TestCertificate | undefined;

/**
 * The test certificate (made once per machine and day with openssl, kept in the temp folder):
 * MSAL refuses a plain-HTTP authority and gRPC sends call credentials only over TLS, so the
 * Entra ID and Google fakes serve HTTPS with it.
 */
export function testCertificate(): TestCertificate {
  if (cached) return cached;
  const dir = path.join(DIR, new Date().toISOString().slice(0, 10));
  const certFile = path.join(dir, 'cert.pem');
  if (!existsSync(certFile)) {
    const tmp = `${dir}.${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem')],
        ...['-days', '3', '-subj', '/CN=sgw-test-fake'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
        ...['-addext', 'basicConstraints=critical,CA:TRUE'],
        ...['-addext', 'keyUsage=digitalSignature,keyCertSign'],
      ],
      { stdio: 'ignore' },
    );
    // One rename of the whole folder: parallel test files see no pair or a whole one.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process was first
    }
  }
  cached = {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    certFile,
  };
  return cached;
}

/**
 * Makes this process trust the test certificate for every later TLS connection that names no
 * CA of its own (Node 24's `tls.setDefaultCACertificates`), as `NODE_EXTRA_CA_CERTS` does for a
 * process started with it.
 */
export function trustTestCertificate(): TestCertificate {
  const certificate = testCertificate();
  const current = tls.getCACertificates('default');
  if (!current.includes(certificate.cert)) tls.setDefaultCACertificates([...current, certificate.cert]);
  return certificate;
}
