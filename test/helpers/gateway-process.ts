import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Keyring } from '../../src/crypto/keyring.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Environment for gateway processes on one database: a fresh keyring (give the same object to
 * every process of a test), quiet logs, no value-read limit; `extra` adds or overrides.
 */
export function gatewayEnv(
  databaseUrl: string,
  token: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SGW_ADMIN_TOKEN: token,
    SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
    SGW_DATA_DIR: path.join(tmpdir(), `sgw-process-${randomBytes(4).toString('hex')}`),
    SGW_LOG_LEVEL: 'error',
    SGW_VALUE_READS_PER_SECOND: '0',
    SGW_ALLOWED_ENDPOINTS: '127.0.0.0/8,::1/128,localhost',
    ...extra,
  };
}

/** The machine's Redis (REDIS_URL) under a channel prefix of its own, or nothing without it. */
export function sharedRedisEnv(prefix: string): Record<string, string> {
  return process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, SGW_REDIS_PREFIX: `${prefix}:` } : {};
}

/**
 * Starts the compiled gateway (`dist/src/main.js`, what `npm start` runs; `npm test` builds it
 * first) or another script (TypeScript through tsx) as a real process and waits until it says
 * it is listening.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  script = 'dist/src/main.js',
): Promise<GatewayProcess> {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr.join('')}`)), timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.push(chunk);
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(stdout.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${stderr.join('')}`));
    });
  });
  return {
    child,
    url,
    stdout,
    stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** POSTs one GraphQL operation to a running gateway. */
export async function postGraphQL(
  url: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: any }> };
}

/** The data of one GraphQL operation on a gateway process; throws with the errors when it has any. */
export async function dataOf(
  gateway: GatewayProcess,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
) {
  const result = await postGraphQL(gateway.url, token, query, variables);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

/** Polls until `poll` gives a value (not undefined); throws naming `what` after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  poll: () => Promise<T | undefined>,
  timeoutMs: number,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await poll();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
