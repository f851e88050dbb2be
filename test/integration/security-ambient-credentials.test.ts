import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerManagerStack, writeManagedSecret } from '../helpers/manager-stack.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** A non-loopback address of this machine: it stands in for the attacker's server. */
const OUTSIDE = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

/** Ambient credentials the gateway process holds (as an instance role would give it). */
const AMBIENT = { AWS_ACCESS_KEY_ID: 'AKIAAMBIENTCANARY01', AWS_SECRET_ACCESS_KEY: 'ambient-canary-secret' };

describe.runIf(OUTSIDE)("the gateway's own credentials never go to an endpoint a WRITER names", () => {
  let t: TestGateway;
  let trap: Server;
  let hits = 0;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [name, value] of Object.entries(AMBIENT)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    trap = createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '0.0.0.0', resolve));
    // Everything allowed, so only the credential rule stands between the WRITER and the trap.
    t = await startTestGateway({ env: { SGW_ALLOWED_ENDPOINTS: '*' } });
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await t?.close();
    trap?.close();
  });

  it.each([
    ['aws', (host: string) => ({ region_name: 'us-east-1', endpoint_url: `http://${host}` }), 'endpoint_url'],
    ['gcp', (host: string) => ({ project_id: 'p', api_endpoint: host }), 'api_endpoint'],
  ])(
    '%s without its own credentials, pointed outside the cloud: BAD_USER_INPUT, nothing sent',
    async (flavor, config, field) => {
      const port = (trap.address() as AddressInfo).port;
      const host = `${OUTSIDE}:${port}`;
      const name = `ambient-${flavor}`;
      const registered = await registerManagerStack(t, name, flavor, config(host));
      expect(registered.errors).toBeUndefined();
      const written = await writeManagedSecret(t, name, 'db', { password: 'p' });
      expect(written.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(written.errors?.[0]?.message).toContain(field);
      expect(JSON.stringify(written)).not.toContain(AMBIENT.AWS_ACCESS_KEY_ID);
      expect(hits).toBe(0);
    },
  );
});
