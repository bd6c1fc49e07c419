// Making an instance's directory for the local driver: its volume, log and run directories owned
// by its user, an address, the injected configuration and, written last, its record, so a
// directory without a record is a create cut short and is begun again from nothing.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InjectedGuest } from '../compute-driver.js';
import type { AddressPool } from './address-pool.js';
import { writeGuestConfig, type GuestSettings } from './guest-config.js';
import type { InstanceRecord, InstanceRecords } from './instance-records.js';
import { owned, type GuestUsers, type OsUser } from './os-users.js';
import type { Standby, StandbyPool } from './standby-pool.js';
import type { StorageAccess } from './storage-access.js';

/** The driver's parts a new instance takes something from. */
export interface InstanceParts {
  readonly records: InstanceRecords;
  readonly addresses: AddressPool;
  readonly users: GuestUsers;
  readonly access: StorageAccess;
  readonly standbys: StandbyPool;
  readonly settings: GuestSettings;
  /**
   * Before the record is written: anything else the instance's directory holds (its volume);
   * what it returns is kept in the record.
   */
  readonly furnish?: (
    dir: string,
    user: OsUser | undefined,
  ) => Promise<Partial<InstanceRecord> | undefined>;
  /** Before a half-made directory is removed: undoes what `furnish` did. */
  readonly unfurnish?: (dir: string) => Promise<void>;
}

/** The instance's directory, address and record, begun again from nothing. */
export async function makeInstance(
  parts: InstanceParts,
  guest: InjectedGuest,
  standby: Standby | undefined,
): Promise<InstanceRecord> {
  const dir = parts.records.dir(guest.instanceId);
  await parts.unfurnish?.(dir);
  await rm(dir, { recursive: true, force: true });
  await parts.addresses.release(guest.instanceId);
  const user = standby ? standby.user : await parts.users.create();
  try {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    for (const [sub, mode] of [
      ['volume', 0o700],
      ['log', 0o750],
      ['run', 0o700],
    ] as const) {
      await mkdir(join(dir, sub), { mode });
      await owned(join(dir, sub), user);
    }
    // Before the guest learns its instance: a restore reads the project's earlier backups.
    if (user && guest.project !== undefined) await parts.access.grant(user, guest.project);
    const furnished = await parts.furnish?.(dir, user);
    const record: InstanceRecord = {
      id: guest.instanceId,
      address: await parts.addresses.claim(guest.instanceId, guest.tcpPorts),
      datastore: guest.datastore,
      version: guest.datastoreVersion,
      ...(user ? { user } : {}),
      ...(standby ? { standbyDir: standby.dir } : {}),
      ...furnished,
    };
    await writeGuestConfig(dir, guest, record, parts.settings);
    // Written last: an instance.json means the directory is complete.
    await parts.records.write(record);
    return record;
  } catch (error) {
    // Nothing names the standby or the user yet: they go with the half-made directory.
    if (standby) await parts.standbys.end(standby);
    else if (user) await parts.users.drop(user.name);
    await parts.unfurnish?.(dir);
    await rm(dir, { recursive: true, force: true });
    await parts.addresses.release(guest.instanceId);
    throw error;
  }
}
