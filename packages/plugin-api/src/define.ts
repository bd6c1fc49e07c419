// The define*() helpers a datastore plugin builds its entry points with. Each checks what it is
// given and stamps the contract brand the host verifies when it loads the entry.

import { brand, type Branded } from './contract.js';
import type {
  BaseDatastoreManager,
  GuestContext,
  GuestLogger,
} from './manager/base-datastore-manager.js';
import type { BackupObjectInfo } from './backup-storage/contract.js';
import type { Json } from './manager/guest-types.js';
import { defineOptionGroup, type OptionGroup, type Options } from './options/options.js';

const datastoreName = /^[a-z][a-z0-9_]*$/;

function checkName(name: string): void {
  if (!datastoreName.test(name)) {
    throw new TypeError(
      `datastore name '${name}' must match ${String(datastoreName)} (it names config sections)`,
    );
  }
}

export interface DatastoreOptions<S extends Options = Options, G extends Options = Options> {
  readonly name: string;
  /** `[<name>]` in cellar.conf: read by the API and the taskmanager. */
  readonly server: OptionGroup<'server', S>;
  /** `[<name>]` in cellar-guest.conf: read only by the guest agent. */
  readonly guest: OptionGroup<'guest', G>;
}

/** The `./options` entry: the datastore's two option groups, both named after it. */
export function defineDatastoreOptions<const S extends Options, const G extends Options>(spec: {
  readonly name: string;
  readonly title?: string;
  readonly server: S;
  readonly guest: G;
}): Branded<DatastoreOptions<S, G>> {
  checkName(spec.name);
  const title = spec.title ?? `Options for the ${spec.name} datastore`;
  return brand('datastore.options', spec.name, {
    name: spec.name,
    server: defineOptionGroup({ name: spec.name, side: 'server', title, options: spec.server }),
    guest: defineOptionGroup({ name: spec.name, side: 'guest', title, options: spec.guest }),
  });
}

export interface DatastoreVersionInfo {
  /** The version as users name it, e.g. `15` or `10.11`. */
  readonly name: string;
  /** Where this host has it (binaries directory), for the guest to use. */
  readonly location: string;
  readonly active: boolean;
}

export interface NameRule {
  readonly pattern: RegExp;
  readonly maxLength: number;
  /** Names the datastore keeps for itself (`postgres`, `mysql`, …). */
  readonly reserved?: readonly string[];
}

/** Why this host cannot run a datastore, as an operator should read it. */
export interface DatastoreUnavailable {
  /** What is missing, e.g. `no mariadbd under /usr/sbin`. */
  readonly reason: string;
  /** The Debian package that provides what is missing, e.g. `mariadb-server`. */
  readonly debianPackage?: string;
}

/** One span of time an instance can be restored to, as ISO-8601 times (both ends included). */
export interface RecoverableSpan {
  readonly earliest: string;
  readonly latest: string;
}

/**
 * A datastore's point-in-time recovery as the control plane sees it: where an instance's
 * continuous archive lies in the backup storage (within the instance's project), and the window
 * that archive and the instance's full backups can recover to. Cellar shows the window on the
 * instance detail and refuses a `restore_time` outside every span before creating anything.
 */
export interface PointInTimeRecovery {
  /** The key prefix of the instance's archive, as `BackupStorage.list(project, prefix)` takes it. */
  objectPrefix(instanceId: string): string;
  /**
   * The spans the archive (`objects`: what list() answered under the prefix) and the instance's
   * COMPLETED full backups (each with the `meta` its strategy recorded) can recover to, oldest
   * first and not overlapping; `gaps` names what is missing from the archive (PostgreSQL: WAL
   * segment names). A gap ends a span: a time after it is recoverable only from a later backup.
   */
  window(
    objects: readonly BackupObjectInfo[],
    fullBackups: readonly { readonly meta: Readonly<Record<string, Json>> }[],
  ): { readonly spans: readonly RecoverableSpan[]; readonly gaps: readonly string[] };
}

export interface DatastoreServer {
  readonly name: string;
  /** The versions of this datastore installed on this host, newest first. */
  versions(): Promise<readonly DatastoreVersionInfo[]>;
  /**
   * Asked only when versions() finds none: why, so the datastore is listed with the reason and
   * creates are refused naming it. Without it the control plane says no version is installed.
   */
  unavailable?(): Promise<DatastoreUnavailable>;
  readonly nameRules?: { readonly database?: NameRule; readonly user?: NameRule };
  /**
   * Present when the datastore restores to a point in time (`restorePoint.restore_time`): the
   * control plane uses it while the datastore's server option `wal_archiving` is on.
   */
  readonly pointInTime?: PointInTimeRecovery;
  readonly archiveRetention?: import('./archive-retention.js').ArchiveRetention;
  /**
   * Present when the datastore has configuration groups: its parameters per version, from the
   * server's own catalog. A datastore declaring the `configuration` capability must have it.
   */
  readonly configuration?: import('./configuration/parameters.js').DatastoreConfiguration;
}

/** The `./server` entry: what the control plane needs without any guest code. */
export function defineDatastoreServer<T extends DatastoreServer>(server: T): Branded<T> {
  checkName(server.name);
  const pitr: Partial<PointInTimeRecovery> | undefined = server.pointInTime;
  if (
    pitr !== undefined &&
    (typeof pitr.objectPrefix !== 'function' || typeof pitr.window !== 'function')
  ) {
    throw new TypeError(
      `datastore '${server.name}': pointInTime must have the functions objectPrefix and window`,
    );
  }
  return brand('datastore.server', server.name, server);
}

export type DatastoreManagerClass<O = never> = new (
  context: GuestContext<O>,
) => BaseDatastoreManager<O>;

/** What a standby agent's work ahead is given, before the agent knows its instance. */
export interface StandbyContext {
  /**
   * A directory of the agent's own OS user, on the filesystem the instance's volume will be on,
   * so what is made here can be renamed into it.
   */
  readonly dir: string;
  /** The version the next instance most likely asks for: the datastore's default. */
  readonly datastoreVersion?: string;
  /**
   * Aborted when the standby ends without an instance: stop where that leaves nothing behind (the
   * agent waits for the work to settle; the driver kills it after a grace period) and leave the
   * directory to be removed.
   */
  readonly signal: AbortSignal;
  readonly log: GuestLogger;
}

export interface DatastoreGuest<O = never> {
  readonly name: string;
  readonly manager: DatastoreManagerClass<O>;
  /**
   * Work a standby agent may do while it waits for an instance (PostgreSQL: initdb). The manager
   * is told of it through `GuestContext.standby`, and takes what it finds or ignores it.
   */
  readonly standby?: (context: StandbyContext) => Promise<void>;
}

/** The `./guest` entry: the manager class the guest agent instantiates, and its optional work ahead. */
export function defineDatastoreGuest<O>(guest: DatastoreGuest<O>): Branded<DatastoreGuest<O>> {
  checkName(guest.name);
  if (typeof guest.manager !== 'function') {
    throw new TypeError(
      `datastore '${guest.name}': manager must be a class extending BaseDatastoreManager`,
    );
  }
  if (guest.standby !== undefined && typeof guest.standby !== 'function') {
    throw new TypeError(
      `datastore '${guest.name}': standby must be a function taking a StandbyContext`,
    );
  }
  return brand('datastore.guest', guest.name, guest);
}
