import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError } from './cli-error.js';

/** What `sgw login` stores. */
export interface StoredLogin {
  url: string;
  token: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:4000';

/** `$SGW_CONFIG`, else `$XDG_CONFIG_HOME/sgw/config.json`, else `~/.config/sgw/config.json`. */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SGW_CONFIG) return path.resolve(env.SGW_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'sgw', 'config.json');
}

/** The stored login, or undefined when there is none; a broken file is an error that names it. */
export async function readStoredLogin(
  file: string,
  warn: (line: string) => void,
): Promise<StoredLogin | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('CONFIG', `cannot read ${file}: ${(error as Error).message}`);
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077)
    warn(`Warning: ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${file}`);
  try {
    const parsed = JSON.parse(text) as Partial<StoredLogin>;
    if (typeof parsed.url === 'string' && typeof parsed.token === 'string')
      return { url: parsed.url, token: parsed.token };
  } catch {
    // reported below
  }
  throw new CliError('CONFIG', `${file} is not a valid sgw config file; run sgw login again`);
}

/** Writes the login atomically: directory 0700 (when created), file 0600. */
export async function writeStoredLogin(file: string, login: StoredLogin): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (path.basename(dir) === 'sgw') await chmod(dir, 0o700);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError('CONFIG', `cannot write ${file}: ${(error as Error).message}`);
  }
}

/** Removes the stored login; true when there was one. */
export async function removeStoredLogin(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError('CONFIG', `cannot remove ${file}: ${(error as Error).message}`);
  }
}
