// docker-compose.yml and Dockerfile, checked without a Docker engine: parsed and compared with
// what the gateway reads (src/config.ts) and what the image must contain.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

const GATEWAYS = ['gateway-1', 'gateway-2'] as const;
const GATEWAY_IMAGE = 'secrets-gateway:latest';
/** Secrets that must come from the environment, never from the file. */
const SECRET_VARIABLES = ['SGW_ENCRYPTION_KEYS', 'SGW_AUDIT_HMAC_KEY', 'SGW_ADMIN_TOKEN'];

/** Values standing in for the operator's environment when interpolating the file. */
const OPERATOR_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'pw0123456789abcdef',
  SGW_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  SGW_AUDIT_HMAC_KEY: Buffer.alloc(32, 9).toString('base64'),
  SGW_ADMIN_TOKEN: `sgw_${'A'.repeat(43)}`,
};

type Service = {
  image?: string;
  build?: string | { context?: string };
  ports?: (string | number | { published?: string | number; target?: string | number })[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
};

/** Compose variable interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const current = env[name];
      const missing = op?.startsWith(':') ? !current : current === undefined;
      if (op?.endsWith('?') && missing) throw new Error(`required variable ${name} is missing: ${arg}`);
      if (op?.endsWith('-') && missing) return arg ?? '';
      return current ?? '';
    },
  );
}

function loadCompose(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const compose = parse(read('docker-compose.yml'), { merge: true });
  expect(compose?.services, 'docker-compose.yml has services').toBeTypeOf('object');
  return compose;
}

/** A service's environment as a map of raw (uninterpolated) strings. */
function rawEnvironment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function environment(service: Service, env: Record<string, string | undefined> = OPERATOR_ENV) {
  return Object.fromEntries(
    Object.entries(rawEnvironment(service)).map(([k, v]) => [k, interpolate(v, env)]),
  );
}

/** Variable names the gateway reads, taken from the zod schema in src/config.ts. */
function acceptedVariables(): { names: Set<string>; prefixes: string[] } {
  const source = read('src/config.ts');
  const block = /const envSchema = z\.object\(\{\n([\s\S]*?)\n\}\);/.exec(source);
  if (!block) throw new Error('src/config.ts: envSchema = z.object({ … }) not found');
  const names = new Set([...block[1].matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]));
  const prefixes = [...source.matchAll(/Prefix = '([A-Z][A-Z0-9_]*_)'/g)].map((m) => m[1]);
  return { names, prefixes };
}

function hostPorts(service: Service): { host: number; container: number }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { host: Number(port.published), container: Number(port.target) };
    const parts = String(port).split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

describe('docker-compose.yml', () => {
  it('has postgres, redis and two gateway replicas built from this repository as one image', () => {
    const { services } = loadCompose();
    expect(services.postgres?.image).toMatch(/^postgres:15(\b|$)/);
    expect(services.redis?.image).toMatch(/^redis:7(\b|$)/);
    for (const name of GATEWAYS) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(service.image, name).toBe(GATEWAY_IMAGE);
      const build = typeof service.build === 'string' ? service.build : service.build?.context;
      expect(build, `${name} build context`).toBe('.');
    }
  });

  it('publishes the replicas on distinct host ports, each to the port the gateway listens on', () => {
    const { services } = loadCompose();
    const published = GATEWAYS.flatMap((name) => {
      const ports = hostPorts(services[name]);
      expect(ports, `${name} ports`).toHaveLength(1);
      expect(ports[0].container, `${name} container port`).toBe(Number(environment(services[name]).PORT));
      return ports.map((p) => p.host);
    });
    expect(published).toEqual([4001, 4002]);
    expect(new Set(published).size).toBe(published.length);
  });

  it('gives every service a healthcheck; the gateways ask /readyz on their own port', () => {
    const { services } = loadCompose();
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(healthcheckText(service), `${name} healthcheck`).not.toBe('');
    }
    expect(healthcheckText(services.postgres)).toContain('pg_isready');
    expect(healthcheckText(services.redis)).toContain('redis-cli ping');
    for (const name of GATEWAYS) {
      const port = environment(services[name]).PORT;
      expect(healthcheckText(services[name]), name).toContain(`127.0.0.1:${port}/readyz`);
    }
  });

  it('sets only variables the gateway reads (src/config.ts), with values it accepts', () => {
    const { services } = loadCompose();
    const { names, prefixes } = acceptedVariables();
    expect(names.has('DATABASE_URL') && names.has('SGW_ENCRYPTION_KEYS'), 'parsed src/config.ts').toBe(true);
    for (const name of GATEWAYS) {
      const env = environment(services[name]);
      const unknown = Object.keys(env).filter((v) => !names.has(v) && !prefixes.some((p) => v.startsWith(p)));
      expect(unknown, `${name}: variables src/config.ts does not read`).toEqual([]);
      const config = loadConfig(env);
      expect(config.host).toBe('0.0.0.0');
      expect(config.port).toBe(4000);
      expect(config.databaseUrl).toBeDefined();
      expect(config.redisUrl).toBeDefined();
      // With DATABASE_URL the gateway refuses to start without a keyring.
      expect(config.encryptionKeys).toBe(OPERATOR_ENV.SGW_ENCRYPTION_KEYS);
      expect(config.adminToken).toBe(OPERATOR_ENV.SGW_ADMIN_TOKEN);
      expect(config.auditHmacKey).toBe(OPERATOR_ENV.SGW_AUDIT_HMAC_KEY);
    }
  });

  it('points DATABASE_URL at the postgres service and REDIS_URL at the redis service', () => {
    const { services } = loadCompose();
    const pg = environment(services.postgres);
    for (const name of GATEWAYS) {
      const env = environment(services[name]);
      const db = new URL(env.DATABASE_URL);
      expect(db.protocol).toMatch(/^postgres(ql)?:$/);
      expect(db.hostname).toBe('postgres');
      expect(db.port || '5432').toBe('5432');
      expect(decodeURIComponent(db.username)).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(db.password)).toBe(pg.POSTGRES_PASSWORD);
      expect(db.pathname).toBe(`/${pg.POSTGRES_DB}`);
      const redis = new URL(env.REDIS_URL);
      expect(redis.protocol).toBe('redis:');
      expect(redis.hostname).toBe('redis');
      expect(redis.port || '6379').toBe('6379');
    }
  });

  it('starts the gateways only once postgres and redis are healthy', () => {
    const { services } = loadCompose();
    for (const name of GATEWAYS) {
      const dependsOn = services[name].depends_on;
      expect(Array.isArray(dependsOn), `${name} depends_on must name conditions`).toBe(false);
      const conditions = dependsOn as Record<string, { condition?: string }>;
      expect(conditions.postgres?.condition, name).toBe('service_healthy');
      expect(conditions.redis?.condition, name).toBe('service_healthy');
    }
  });

  it('takes secrets from the environment, required, and shares them between the replicas', () => {
    const { services } = loadCompose();
    const [first, second] = GATEWAYS.map((name) => rawEnvironment(services[name]));
    expect(second).toEqual(first);
    for (const variable of SECRET_VARIABLES) {
      expect(first[variable], variable).toMatch(new RegExp(`^\\$\\{${variable}:\\?[^}]*\\}$`));
      const { [variable]: _, ...without } = OPERATOR_ENV;
      expect(() => environment(services[GATEWAYS[0]], without), `${variable} unset`).toThrow(variable);
    }
    expect(rawEnvironment(services.postgres).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]*\}$/);
  });
});

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(): { instruction: string; args: string }[] {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [instruction, ...rest] = line.split(/\s+/);
      return { instruction: instruction.toUpperCase(), args: rest.join(' ') };
    });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((entry) => {
    const relative = path.join(dir, entry);
    if (statSync(path.join(ROOT, relative)).isDirectory()) return sourceFiles(relative);
    return /\.(ts|js)$/.test(entry) && !entry.endsWith('.test.ts') ? [relative] : [];
  });
}

describe('Dockerfile', () => {
  const instructions = () => dockerfile();
  const argsOf = (name: string) => instructions().filter((i) => i.instruction === name);

  it('builds on node:24-slim, runs as node, listens on 0.0.0.0:4000 and exposes it', () => {
    for (const from of argsOf('FROM')) expect(from.args).toMatch(/^node:24-slim\b/);
    expect(argsOf('USER').at(-1)?.args).toBe('node');
    const env = argsOf('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(env).toMatch(/\bPORT=4000\b/);
    expect(argsOf('EXPOSE').flatMap((i) => i.args.split(/\s+/))).toContain('4000');
  });

  it('has a HEALTHCHECK on /healthz that needs no curl', () => {
    const [healthcheck] = argsOf('HEALTHCHECK');
    expect(healthcheck?.args).toContain('/healthz');
    expect(healthcheck?.args).toMatch(/CMD\s+\[\s*"node"/);
  });

  it('starts an entry file that exists and is copied into the image', () => {
    const cmd = argsOf('CMD').at(-1)?.args ?? '';
    const argv = JSON.parse(cmd) as string[];
    const entries = argv.filter((arg) => /\.(ts|js|mjs)$/.test(arg));
    expect(entries, 'CMD names an entry file').toHaveLength(1);
    expect(existsSync(path.join(ROOT, entries[0])), entries[0]).toBe(true);
    // The last stage's copies; one from the build stage names its path inside that stage.
    const copied = argsOf('COPY').flatMap((i) =>
      i.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1)
        .map((c) => (i.args.startsWith('--from') ? c.replace(/^\/app\//, '') : c)),
    );
    expect(copied.map((c) => c.replace(/\/$/, ''))).toContain(entries[0].split('/')[0]);
  });

  it('copies every directory the gateway imports from, and each copied path exists', () => {
    const copied = argsOf('COPY')
      .filter((i) => !i.args.startsWith('--from'))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      )
      .map((c) => c.replace(/\/$/, ''));
    for (const source of copied) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim().replace(/\/$/, ''));
    for (const source of copied) expect(ignored, `.dockerignore drops ${source}`).not.toContain(source);
    const needed = new Set<string>();
    for (const file of [...sourceFiles('src'), ...sourceFiles('db'), ...sourceFiles('bin')]) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), m[1]));
        needed.add(target.split(path.sep)[0]);
      }
    }
    // What the build stage compiled arrives as dist/ (copied from that stage).
    const built = argsOf('COPY')
      .filter((i) => i.args.startsWith('--from'))
      .map((i) => i.args.split(/\s+/).at(-1)!.replace(/^\.\//, '').replace(/\/$/, ''));
    expect(built).toContain('dist');
    for (const dir of needed) expect([...copied, ...built], `imported from ${dir}/`).toContain(dir);
  });

  it('compiles in a build stage: TypeScript is not compiled at run time', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(argsOf('RUN').some((i) => /\btsc\b.*tsconfig\.build\.json/.test(i.args))).toBe(true);
    expect(argsOf('CMD').at(-1)?.args).not.toMatch(/tsx/);
  });

  it('needs no devDependencies at run time (the image installs with --omit=dev)', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const used = new Set<string>();
    for (const file of [...sourceFiles('src'), ...sourceFiles('db'), ...sourceFiles('bin')]) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const pattern = /^(?!import type)[^\n]*?(?:from|import\(|require\()\s*'([^.'/][^']*)'/gm;
      for (const m of text.matchAll(pattern)) {
        const specifier = m[1];
        if (specifier.startsWith('node:') || builtins.has(specifier.split('/')[0])) continue;
        const parts = specifier.split('/');
        used.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
      }
    }
    expect([...used], 'found the imports').toEqual(expect.arrayContaining(['graphql', 'zod']));
    const devOnly = [...used].filter((name) => name in pkg.devDependencies && !(name in pkg.dependencies));
    expect(devOnly).toEqual([]);
    const install = argsOf('RUN').find((i) => /\bnpm ci\b/.test(i.args));
    expect(install?.args).toBeDefined();
  });
});
