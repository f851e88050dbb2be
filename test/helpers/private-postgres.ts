import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './private-redis.js';

const run = promisify(execFile);

/** Where Debian/Ubuntu put the server binaries (`PG_BIN` overrides). */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Postgres refuses to run as root: as root, run its binaries as the `postgres` OS user. */
const asRoot = userInfo().uid === 0;

/** Whether a private Postgres can be started here (server binaries, and a `postgres` user when root). */
export function canRunPrivatePostgres(): boolean {
  if (!existsSync(path.join(PG_BIN, 'initdb')) || !existsSync(path.join(PG_BIN, 'pg_ctl'))) return false;
  return !asRoot || existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser');
}

/** A Postgres server of this test's own (fresh cluster, trust auth, its own port), stoppable and restartable. */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** `postgres` database, superuser `postgres`, over TCP on 127.0.0.1. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb into a fresh temp dir, then start. */
  static async create(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(path.join(tmpdir(), 'sgw-pg-'));
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const pg = new PrivatePostgres(await freePort(), dir);
    await pg.exec('initdb', ['-D', pg.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await pg.start();
    return pg;
  }

  private exec(binary: string, args: string[]) {
    const file = path.join(PG_BIN, binary);
    return asRoot
      ? run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 60_000 })
      : run(file, args, { timeout: 60_000 });
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c max_connections=50',
    ].join(' ');
    await this.exec('pg_ctl', [
      'start',
      '-w',
      '-t',
      '30',
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-o',
      options,
    ]);
  }

  /** Stops the server: `fast` ends sessions cleanly (57P01), `immediate` drops them like a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['stop', '-w', '-t', '30', '-D', this.dataDir, '-m', mode]);
  }

  /** Stops (if running) and deletes the cluster. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
