import type { BackendEntry, SecretBackend } from './backend.js';
import { decodeZenmlEntry, encodeZenmlEntry, type ZenmlStoreKind } from './zenml-store-layout.js';

/**
 * A back-end that writes and reads entries in ZenML's layout for this store kind (payload
 * encoded on every write, decoded on every read, versioned calls included); listings, deletes
 * and version bookkeeping pass through.
 */
export function zenmlLayoutBackend(kind: ZenmlStoreKind, backend: SecretBackend): SecretBackend {
  const encode = (entry: BackendEntry) => encodeZenmlEntry(kind, entry);
  const decodeValues = (values: Record<string, string>) =>
    decodeZenmlEntry(kind, { values, metadata: {} }).values;
  const layout: SecretBackend = {
    kind: backend.kind,
    create: async (entry, options) => backend.create(encode(entry), options),
    get: async (name, options) => {
      const entry = await backend.get(name, options);
      return entry && { name: entry.name, ...decodeZenmlEntry(kind, entry) };
    },
    update: async (entry, options) => backend.update(encode(entry), options),
    delete: (name, options) => backend.delete(name, options),
    list: (query, options) => backend.list(query, options),
  };
  const { createMany, getValues, close } = backend;
  if (createMany) layout.createMany = (entries, options) => createMany(entries.map(encode), options);
  if (getValues)
    layout.getValues = async (names, options) => {
      const found = await getValues(names, options);
      return new Map([...found].map(([name, values]) => [name, decodeValues(values)]));
    };
  addVersionedCalls(layout, backend, encode, decodeValues);
  if (close) layout.close = () => close();
  return layout;
}

/** The versioned calls of `backend` (copy-on-write), through the same encoding. */
function addVersionedCalls(
  layout: SecretBackend,
  backend: SecretBackend,
  encode: (entry: BackendEntry) => BackendEntry,
  decodeValues: (values: Record<string, string>) => Record<string, string>,
): void {
  const { createVersioned, putVersion, getVersion, getVersionValues } = backend;
  const { currentVersionId, restoreVersion, destroyVersions } = backend;
  if (createVersioned) layout.createVersioned = (entry) => createVersioned(encode(entry));
  if (putVersion) layout.putVersion = (entry) => putVersion(encode(entry));
  if (getVersion)
    layout.getVersion = async (name, versionId) => {
      const values = await getVersion(name, versionId);
      return values && decodeValues(values);
    };
  if (getVersionValues)
    layout.getVersionValues = async (pins) => {
      const found = await getVersionValues(pins);
      return new Map([...found].map(([name, values]) => [name, decodeValues(values)]));
    };
  if (currentVersionId) layout.currentVersionId = (name) => currentVersionId(name);
  if (restoreVersion) layout.restoreVersion = (name, versionId) => restoreVersion(name, versionId);
  if (destroyVersions) layout.destroyVersions = (name, versionIds) => destroyVersions(name, versionIds);
}
