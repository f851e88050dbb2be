import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { endpointChecks } from './endpoint-checks.js';
import { allowedEndpointsProblem, createEndpointPolicy } from './endpoint-policy.js';

const server = createEndpointPolicy(undefined, false);
const embedded = createEndpointPolicy(undefined, true);

describe('endpoint policy: refused addresses with DATABASE_URL and nothing allowed', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'cloud metadata'],
    ['[fd00:ec2::254]', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.100.100.200', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    // IPv6 forms that carry an IPv4 address are judged as that address.
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'cloud metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:a9fe:a9fe::1', 'cloud metadata'],
    ['::10.0.0.1', 'private'],
  ])('%s is a %s address', (host, kind) => {
    const problem = server.hostProblem(host, 443);
    expect(problem).toContain(kind);
    expect(problem).toContain('SGW_ALLOWED_ENDPOINTS');
    expect(server.allowsConnection('example.com', host.replace(/^\[|\]$/g, ''), 443)).toBe(false);
  });

  it('refuses names of this machine and of metadata services by name', () => {
    expect(server.hostProblem('localhost', 8200)).toMatch(/loopback/);
    expect(server.hostProblem('vault.localhost', 8200)).toMatch(/loopback/);
    expect(server.hostProblem('metadata.google.internal', 80)).toMatch(/metadata/);
    expect(server.hostProblem('METADATA.GOOGLE.INTERNAL.', 80)).toMatch(/metadata/);
  });

  it('allows public addresses, and names until they resolve', () => {
    for (const host of [
      '8.8.8.8',
      '2607:f8b0:4004:800::200e',
      'vault.example.com',
      '172.32.0.1',
      '100.128.0.1',
    ])
      expect(server.hostProblem(host, 443)).toBeUndefined();
    expect(server.allowsConnection('vault.example.com', '93.184.216.34', 443)).toBe(true);
    expect(server.allowsConnection('vault.example.com', '10.0.0.7', 443)).toBe(false);
    expect(server.allowsConnection('vault.example.com', '::ffff:127.0.0.1', 443)).toBe(false);
  });
});

describe('endpoint policy: defaults and SGW_ALLOWED_ENDPOINTS', () => {
  it('embedded (no DATABASE_URL) allows loopback only, besides public addresses', () => {
    expect(embedded.hostProblem('127.0.0.1', 8200)).toBeUndefined();
    expect(embedded.hostProblem('[::1]', 8200)).toBeUndefined();
    expect(embedded.hostProblem('localhost', 8200)).toBeUndefined();
    expect(embedded.allowsConnection('localhost', '::ffff:127.0.0.1', 1)).toBe(true);
    expect(embedded.hostProblem('169.254.169.254', 80)).toMatch(/metadata/);
    expect(embedded.hostProblem('10.0.0.1', 80)).toMatch(/private/);
  });

  it('a CIDR allows its block; an address with a port allows that port only', () => {
    const policy = createEndpointPolicy(['10.0.0.0/8', '192.168.1.5:8200', 'fd00::/8'], false);
    expect(policy.hostProblem('10.9.9.9', 1)).toBeUndefined();
    expect(policy.allowsConnection('x.example', '::ffff:10.1.1.1', 443)).toBe(true);
    expect(policy.hostProblem('192.168.1.5', 8200)).toBeUndefined();
    expect(policy.hostProblem('192.168.1.5', 22)).toMatch(/private/);
    expect(policy.hostProblem('fd12::1', 443)).toBeUndefined();
    expect(policy.hostProblem('172.16.0.1', 443)).toMatch(/private/);
  });

  it('a listed name is trusted whatever it resolves to; a listed host:port on that port only', () => {
    const policy = createEndpointPolicy(
      ['vault.internal', 'kv.corp:8200', 'Metadata.Google.Internal'],
      false,
    );
    expect(policy.hostProblem('vault.internal', 1234)).toBeUndefined();
    expect(policy.allowsConnection('vault.internal', '10.0.0.5', 1234)).toBe(true);
    expect(policy.allowsConnection('VAULT.internal.', '10.0.0.5', 1234)).toBe(true);
    expect(policy.allowsConnection('kv.corp', '10.0.0.6', 8200)).toBe(true);
    expect(policy.allowsConnection('kv.corp', '10.0.0.6', 8201)).toBe(false);
    expect(policy.hostProblem('metadata.google.internal', 80)).toBeUndefined();
    // Another name resolving to the same address is not trusted.
    expect(policy.allowsConnection('evil.example', '10.0.0.5', 1234)).toBe(false);
  });

  it('* allows everything', () => {
    const policy = createEndpointPolicy(['*'], false);
    expect(policy.hostProblem('169.254.169.254', 80)).toBeUndefined();
    expect(policy.allowsConnection('x', '127.0.0.1', 80)).toBe(true);
  });

  it('names the first bad entry, and loadConfig refuses the variable', () => {
    expect(
      allowedEndpointsProblem(['10.0.0.0/8', 'localhost:8200', '[::1]:443', '::1', '*']),
    ).toBeUndefined();
    expect(allowedEndpointsProblem(['10.0.0.0/33'])).toMatch(/10\.0\.0\.0\/33/);
    expect(allowedEndpointsProblem(['host:99999'])).toMatch(/port/);
    expect(allowedEndpointsProblem(['http://x'])).toMatch(/not a host/);
    expect(() => loadConfig({ SGW_ALLOWED_ENDPOINTS: '10.0.0.0/8, nope/8' })).toThrow(ConfigError);
    expect(() => loadConfig({ SGW_ALLOWED_ENDPOINTS: 'nope/8' })).toThrow(/^Invalid SGW_ALLOWED_ENDPOINTS: /);
    expect(loadConfig({ SGW_ALLOWED_ENDPOINTS: '10.0.0.0/8,vault.internal' }).allowedEndpoints).toEqual([
      '10.0.0.0/8',
      'vault.internal',
    ]);
  });
});

describe('endpoint checks of each flavor', () => {
  const problemOf = (flavor: string, field: string, value: string) =>
    endpointChecks(flavor, server)
      .find((check) => check.field === field)
      ?.problem(value);

  it('reads hosts from URLs, host:port and service-account keys, with obfuscated IPs normalised', () => {
    expect(problemOf('aws', 'endpoint_url', 'http://169.254.169.254/latest')).toMatch(/metadata/);
    expect(problemOf('aws', 'endpoint_url', 'http://0xa9fea9fe/')).toMatch(/metadata/);
    expect(problemOf('aws', 'endpoint_url', 'http://2130706433:4566')).toMatch(/loopback/);
    expect(problemOf('aws', 'endpoint_url', 'file:///etc/passwd')).toMatch(/http or https URL/);
    expect(
      problemOf('aws', 'endpoint_url', 'https://secretsmanager.us-east-1.amazonaws.com'),
    ).toBeUndefined();
    expect(problemOf('vault', 'url', 'http://[::ffff:10.0.0.1]:8200')).toMatch(/private/);
    expect(problemOf('azure', 'vault_url', 'https://10.1.1.1')).toMatch(/private/);
    expect(problemOf('azure', 'authority_host', 'https://127.0.0.1:8443')).toMatch(/loopback/);
    expect(problemOf('azure', 'key_vault_name', '169.254.169.254#')).toMatch(/Key Vault name/);
    expect(problemOf('azure', 'key_vault_name', 'my-vault')).toBeUndefined();
    expect(problemOf('gcp', 'api_endpoint', '10.0.0.1:443')).toMatch(/private/);
    expect(problemOf('gcp', 'api_endpoint', 'https://localhost:8085')).toMatch(/loopback/);
    expect(problemOf('gcp', 'api_endpoint', 'secretmanager.googleapis.com:443')).toBeUndefined();
    const key = JSON.stringify({ type: 'service_account', token_uri: 'https://169.254.169.254/token' });
    expect(problemOf('gcp', 'credentials_json', key)).toMatch(
      /^has a token_uri that points at 169\.254\.169\.254/,
    );
    expect(problemOf('vault', 'url', '')).toBeUndefined();
    expect(endpointChecks('local', server)).toEqual([]);
  });
});
