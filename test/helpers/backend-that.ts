import type { BackendEntry, SecretBackend } from '../../src/backends/backend.js';

/** A back-end whose every call runs `behaviour` (get passes its result, delete its truthiness). */
export function backendThat(behaviour: () => Promise<unknown>): SecretBackend {
  return {
    kind: 'test',
    create: async () => {
      await behaviour();
    },
    get: async () => (await behaviour()) as BackendEntry | undefined,
    update: async () => {
      await behaviour();
    },
    delete: async () => Boolean(await behaviour()),
    list: async () => {
      await behaviour();
      return { entries: [] };
    },
  };
}

/** The SQL back-end `createCentralStore` is handed when the test's store is a remote one (never called). */
export const unusedSqlBackend: SecretBackend = {
  kind: 'sql',
  create: async () => {},
  get: async () => undefined,
  update: async () => {},
  delete: async () => false,
  list: async () => ({ entries: [] }),
};
