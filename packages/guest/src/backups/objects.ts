// The backup storage as this guest sees it: the one its cellar-guest.conf names, scoped to the
// instance's project. The storage's driver (and its SDK) is imported at the first use, not at start.

import type { Readable } from 'node:stream';
import {
  BadRequest,
  namespaces,
  type BackupStorage,
  type BackupStorageDriver,
  type BackupStorageValues,
  type GuestBackupObjects,
  type Options,
} from '@cellar/plugin-api';
import { driverManager, type PluginHost } from '@cellar/plugins';

export interface GuestStorage extends GuestBackupObjects {
  /** The project every object is kept under. */
  readonly project: string;
  close(): Promise<void>;
}

export interface GuestStorageSpec {
  readonly host: PluginHost;
  /** `[DEFAULT] backup_storage`. */
  readonly name: string;
  /** `[backup_storage_<name>]`, validated (secrets in it are never logged). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly project: string;
}

export function guestStorage(spec: GuestStorageSpec): GuestStorage {
  let opening: Promise<BackupStorage> | undefined;
  const storage = (): Promise<BackupStorage> => {
    opening ??= driverManager<BackupStorageDriver>(
      spec.host,
      namespaces.backupStorage,
      spec.name,
    ).then(({ obj }) => obj.open(spec.values as BackupStorageValues<Options>));
    // A failed open is tried again at the next use: the storage may have been unreachable.
    opening.catch(() => (opening = undefined));
    return opening;
  };
  const { project } = spec;
  // A location is the storage's own, ending in the key: one outside this project's is refused, so
  // a guest cannot be told to read or delete another tenant's backups.
  const ours = async (location: string): Promise<BackupStorage> => {
    const opened = await storage();
    const place = (await opened.locationOf(project, 'k')).slice(0, -1);
    if (!location.startsWith(place))
      throw new BadRequest({ reason: `${location} is not an object of project ${project}` });
    return opened;
  };
  return {
    storage: spec.name,
    project,
    put: async (key: string, body: Readable, signal?: AbortSignal) =>
      (await storage()).put(body, { project, key, ...(signal ? { signal } : {}) }),
    get: async (location, options) => (await ours(location)).get(location, options),
    list: async (prefix) => (await storage()).list(project, prefix),
    delete: async (location) => (await ours(location)).delete(location),
    close: async () => {
      const opened = opening;
      opening = undefined;
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
