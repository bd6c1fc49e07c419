// The logs a datastore's guest manager declares (Trove's get_datastore_log_defs): the agent lists,
// switches, publishes and discards them generically (guest_log_list, guest_log_action), and where
// a published log is kept, which the control plane reads back.

/** One datastore log: where its entries are and, for a USER log, how it is switched. */
export interface DatastoreLogFile {
  /** Trove's names where Trove has one: `general`, `slow_query`, `error`. */
  readonly name: string;
  /** SYS logs are always on and can only be published; USER logs are enabled and disabled. */
  readonly type: 'USER' | 'SYS';
  /** The file the server writes, absolute. */
  readonly file: string;
  /**
   * For a log that shares its file with others (PostgreSQL writes every kind to one file): what of
   * each entry is this log's, undefined for none. An entry is a line matching `entryStart` and the
   * lines after it that do not. Made afresh for each publish, so it may keep what it saw (the
   * statement a later duration entry is about); without it the whole file is the log.
   */
  readonly pick?: () => (entry: string) => string | undefined;
  readonly entryStart?: RegExp;
  /**
   * Brings the file up to date before it is read, for a log the server keeps in memory (Redis'
   * slow log): called while the log is enabled, before each list and publish.
   */
  refresh?(): Promise<void>;
  /** USER logs: whether the server logs it now (as the datastore recorded it). */
  enabled?(): Promise<boolean>;
  /**
   * USER logs: switch it on or off. The setting is kept where the server reads it at every start,
   * and applied to the running server at once when the server can switch it without a restart.
   */
  enable?(): Promise<void>;
  disable?(): Promise<void>;
}

/** A guest manager with logs of its own to declare, beside the agent's `guest` log. */
export interface DatastoreLogs {
  logFiles(): readonly DatastoreLogFile[];
}

/** The manager's log declarations; none for a manager that declares no logs. */
export function datastoreLogFiles(manager: object): readonly DatastoreLogFile[] {
  const declared = (manager as Partial<DatastoreLogs>).logFiles;
  return typeof declared === 'function' ? declared.call(manager) : [];
}

// Where a published log is kept, in Trove's names: container `database_logs`, prefix
// `<instance>/<manager>-<log>/`, objects `<prefix>log-<time>`, metafile `<prefix without />_metafile`.
// In the backup storage they are keys of the instance's project (guestLogKey).

export const GUEST_LOG_CONTAINER = 'database_logs';

export interface GuestLogPlace {
  readonly container: string;
  /** Trove's prefix, relative to the container. */
  readonly prefix: string;
  readonly metafile: string;
}

export function guestLogPlace(instanceId: string, datastore: string, log: string): GuestLogPlace {
  const prefix = `${instanceId}/${datastore}-${log}/`;
  return { container: GUEST_LOG_CONTAINER, prefix, metafile: `${prefix.slice(0, -1)}_metafile` };
}

/**
 * A name in the container as a key of the backup storage: `<instance>/database_logs/<rest>`. The
 * instance comes first, as in its backups' keys: a storage on the host's disk gives each
 * instance's guest its own directory, which another instance's guest cannot write in.
 */
export function guestLogKey(name: string): string {
  const slash = name.indexOf('/');
  return `${name.slice(0, slash)}/${GUEST_LOG_CONTAINER}/${name.slice(slash + 1)}`;
}

/** A new object's name: sorts after every earlier one of the same log. */
export const guestLogObjectName = (place: GuestLogPlace, at: Date): string =>
  `${place.prefix}log-${at.toISOString().replaceAll(':', '-')}`;
