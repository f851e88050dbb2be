import { describe, expect, it } from 'vitest';
import { authorityHostProblem, skipsInstanceDiscovery } from './authority-host.js';

describe('authority_host', () => {
  it('takes an https origin and refuses plain http, paths and text that is no URL', () => {
    expect(authorityHostProblem('https://login.microsoftonline.us')).toBeUndefined();
    expect(authorityHostProblem('https://127.0.0.1:8087/')).toBeUndefined();
    expect(authorityHostProblem('')).toBeUndefined();
    expect(authorityHostProblem('http://127.0.0.1:8087')).toMatch(/https/);
    expect(authorityHostProblem('https://login.microsoftonline.com/my-tenant')).toMatch(/origin/);
    expect(authorityHostProblem('login.microsoftonline.com')).toMatch(/URL/);
  });

  it('skips instance discovery only for an authority outside Azure’s clouds', () => {
    const saved = process.env.AZURE_AUTHORITY_HOST;
    delete process.env.AZURE_AUTHORITY_HOST;
    try {
      expect(skipsInstanceDiscovery(undefined)).toBe(false);
      expect(skipsInstanceDiscovery('https://login.microsoftonline.com')).toBe(false);
      expect(skipsInstanceDiscovery('https://login.chinacloudapi.cn/')).toBe(false);
      expect(skipsInstanceDiscovery('https://127.0.0.1:8087')).toBe(true);
      process.env.AZURE_AUTHORITY_HOST = 'https://adfs.example.com';
      expect(skipsInstanceDiscovery(undefined)).toBe(true);
      expect(skipsInstanceDiscovery('https://login.microsoftonline.us')).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.AZURE_AUTHORITY_HOST;
      else process.env.AZURE_AUTHORITY_HOST = saved;
    }
  });
});
