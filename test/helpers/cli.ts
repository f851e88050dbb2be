import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const SGW_BIN = path.join(ROOT, 'bin/sgw.js');

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface CliOptions {
  /** Environment on top of PATH and HOME (nothing else of the test process leaks in). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (stdin is always a pipe, never a terminal). */
  input?: string;
  timeoutMs?: number;
}

function baseEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
}

/** Runs `node bin/sgw.js …args` to completion and returns its output and exit code. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SGW_BIN, ...args], {
      cwd: ROOT,
      env: baseEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sgw ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.on('error', () => {}); // the CLI may exit before reading everything
    child.stdin.end(options.input ?? '');
  });
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches. */
  waitFor(
    pattern: RegExp | ((text: string) => boolean),
    stream?: 'stdout' | 'stderr',
    timeoutMs?: number,
  ): Promise<void>;
  /** Sends SIGINT (default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has ended by itself (or been stopped). */
  exited: Promise<number | null>;
}

function watch(child: ChildProcess): Omit<RunningCli, 'child' | 'stop'> & { exited: Promise<number | null> } {
  const output = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
    wake();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      wake();
      resolve(code);
    }),
  );
  return {
    exited,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    async waitFor(pattern, stream = 'stdout', timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const matches = typeof pattern === 'function' ? pattern : (text: string) => pattern.test(text);
      while (!matches(output[stream])) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
          throw new Error(`no ${pattern} in ${stream}:\nstdout: ${output.stdout}\nstderr: ${output.stderr}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

/** Starts a long-running `sgw` (e.g. `audit tail --follow`). */
export function startCli(args: string[], options: Omit<CliOptions, 'input'> = {}): RunningCli {
  const child = spawn(process.execPath, [SGW_BIN, ...args], {
    cwd: ROOT,
    env: baseEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watch(child);
  return {
    child,
    ...watched,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return watched.exited;
    },
  };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `sgw` on a pseudo-terminal (util-linux `script`) and answers prompts: each step waits
 * until the terminal output matches `expect`, then types `send`. Returns everything the
 * terminal showed (stdout and stderr together) and the exit code.
 */
export async function runCliInTerminal(
  args: string[],
  steps: Array<{ expect: RegExp; send: string }>,
  options: Omit<CliOptions, 'input'> = {},
): Promise<{ output: string; code: number | null }> {
  const command = [process.execPath, SGW_BIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: baseEnv({ TERM: 'dumb', ...options.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const watched = watch(child);
  try {
    let seen = 0;
    for (const step of steps) {
      await watched.waitFor(
        (text) => step.expect.test(text.slice(seen)),
        'stdout',
        options.timeoutMs ?? 15_000,
      );
      seen = watched.stdout().length;
      child.stdin!.write(step.send);
    }
    const code = await Promise.race([
      watched.exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`terminal run did not end: ${watched.stdout()}`)),
          options.timeoutMs ?? 15_000,
        ),
      ),
    ]);
    return { output: watched.stdout(), code };
  } finally {
    child.stdin!.end();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
