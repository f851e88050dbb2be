import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SecretBackend } from '../backend.js';
import type { OptionReader } from '../option-reader.js';

/** What a custom store module exports (default export or `createSecretBackend`). */
export type SecretBackendFactory = (
  options: Record<string, string>,
) => SecretBackend | Promise<SecretBackend>;

/** The methods a custom store's back-end must have. */
const REQUIRED_METHODS = ['create', 'get', 'update', 'delete', 'list'] as const;

/** Loads a custom store module: `path/to/module[#exportName]`, relative to `cwd` or absolute. */
async function loadCustomFactory(classPath: string, cwd: string): Promise<SecretBackendFactory> {
  const hash = classPath.lastIndexOf('#');
  const modulePath = hash > 0 ? classPath.slice(0, hash) : classPath;
  const exportName = hash > 0 ? classPath.slice(hash + 1) : undefined;
  const url = pathToFileURL(path.resolve(cwd, modulePath)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot load class_path "${classPath}": ${(error as Error).message.split('\n')[0]}`);
  }
  const factory = exportName ? loaded[exportName] : (loaded.createSecretBackend ?? loaded.default);
  if (typeof factory !== 'function') {
    throw new Error(
      `class_path "${classPath}" exports no factory (${exportName ? `export "${exportName}"` : 'a default export or createSecretBackend'} must be a function returning a SecretBackend)`,
    );
  }
  return factory as SecretBackendFactory;
}

/** The factory's result as a SecretBackend; an Error naming the missing methods when it is none. */
function checkBackend(backend: unknown, classPath: string): SecretBackend {
  const candidate = backend as Partial<Record<string, unknown>> | undefined;
  const missing = REQUIRED_METHODS.filter((method) => typeof candidate?.[method] !== 'function');
  if (!candidate || missing.length > 0) {
    throw new Error(
      `the factory of "${classPath}" did not return a SecretBackend (missing ${missing.join(', ') || 'object'})`,
    );
  }
  return candidate as unknown as SecretBackend;
}

/**
 * The `custom` store's back-end (unguarded): the factory named by option class_path, called with
 * every other option. Throws a plain Error when the module can't be loaded, exports no factory,
 * or the factory returns no SecretBackend (or throws itself). A module whose back-end has the
 * versioned calls (createVersioned … restoreVersion, see SecretBackend) gets copy-on-write writes;
 * one without them keeps in-place updates (a failed update may leave its new values in place),
 * while its creates and deletes are still journaled and finished by the orphan collector.
 */
export async function createCustomBackend(read: OptionReader, cwd: string): Promise<SecretBackend> {
  const classPath = read.required('class_path');
  const factory = await loadCustomFactory(classPath, cwd);
  return checkBackend(await factory(read.others(['class_path'])), classPath);
}
