// The instance's files and the identity its server runs with:
//
//   <mount>/data/               the data directory; renamed in from data.install once initialised
//   <mount>/data.install/       the initialiser's staging directory (or the standby's, renamed)
//   <mount>/cellar.cnf          the server's option file: rendered again before every start
//   <mount>/cellar-settings.json  what prepare decided that the guest's options do not say (RAM)
//   <mount>/cellar-admin.cnf    the admin account's password, written once the server has it
//   <mount>/cellar-server       which server made the data directory (`mariadb 10.11`)
//   <mount>/cellar-backup.cnf   mariabackup's option file: the backup account's password, socket
//   <mount>/cellar-replication.json  the replication role (source or replica, and of what)
//   <mount>/cellar-repl.json    the replication account's password and host, on a source
//   (these are 0400: the server, never root, cannot open them for writing, as its logs would)
//   <mount>/cellar-stopped      left by stop_db, removed by every start: stopped, not crashed
//   <mount>/files/              the only directory the server reads and writes files in (0700)
//   <mount>/backup.work/        a backup's small files (LSNs, the parent's checkpoints), emptied
//                               before and removed after each backup
//   <mount>/data.restore/       a restore's extracted and prepared backups, renamed in as data/
//   (the last two on the volume, the OS user's: the tools run as that user and the guest's own
//   directories may be closed to it; a rename into data/ stays on one filesystem)
//   <runDir>/mysqld.sock, mysqld.pid   the admin socket and the server's PID
//   <logDir>/mysqld.log         the server's error log

import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GuestPrepareFailed,
  type CellarError,
  type GuestContext,
  type PrepareRequest,
} from '@cellar/plugin-api';
import {
  runDirProblem,
  spawningAsOwner,
  writeOwned,
  type OsUser,
  type Spawning,
} from '@cellar/plugin-api/processes';
import { renderServerConfig } from './config.js';
import { readRole, replicationSettings } from './replication/settings.js';
import { storedOptionLines } from './overrides.js';
import {
  DEBIAN_PACKAGES,
  findServer,
  installedVersions,
  type InstalledServer,
} from './versions.js';

/** What prepare decided that the guest's options do not say; the rest is derived again. */
interface RecordedSettings {
  readonly memoryMb: number;
}

/** The guest options the files depend on. */
export interface FileOptions {
  readonly mysql_port: number;
}

export class DataDirectory {
  constructor(private readonly context: GuestContext<FileOptions>) {}

  get dataDir(): string {
    return join(this.context.mountPoint, 'data');
  }
  get stagingDir(): string {
    return join(this.context.mountPoint, 'data.install');
  }
  get configFile(): string {
    return join(this.context.mountPoint, 'cellar.cnf');
  }
  get settingsFile(): string {
    return join(this.context.mountPoint, 'cellar-settings.json');
  }
  get adminCnf(): string {
    return join(this.context.mountPoint, 'cellar-admin.cnf');
  }
  get madeByFile(): string {
    return join(this.context.mountPoint, 'cellar-server');
  }
  get stoppedMarker(): string {
    return join(this.context.mountPoint, 'cellar-stopped');
  }
  get backupCnf(): string {
    return join(this.context.mountPoint, 'cellar-backup.cnf');
  }
  get backupWorkDir(): string {
    return join(this.context.mountPoint, 'backup.work');
  }
  get restoreDir(): string {
    return join(this.context.mountPoint, 'data.restore');
  }
  get filesDir(): string {
    return join(this.context.mountPoint, 'files');
  }
  get socket(): string {
    return join(this.context.runDir, 'mysqld.sock');
  }
  get pidFile(): string {
    return join(this.context.runDir, 'mysqld.pid');
  }
  /** The one-off SQL the first start runs before it accepts connections. */
  get initFile(): string {
    return join(this.context.runDir, 'cellar-init.sql');
  }
  get logFile(): string {
    return join(this.context.logDir, 'mysqld.log');
  }
  /** Initialised, in place, and its admin account set up by a first start. */
  get prepared(): boolean {
    return existsSync(join(this.dataDir, 'mysql')) && existsSync(this.adminCnf);
  }
  get stopped(): boolean {
    return existsSync(this.stoppedMarker);
  }

  /** A prepare that cannot go on, in the catalog's words. */
  failed(reason: string, cause?: unknown): CellarError {
    return new GuestPrepareFailed(
      { datastore: this.context.datastore, instance: this.context.guestId, reason },
      { cause },
    );
  }

  /** The server to run: the one that made the data directory once there is one, else the requested. */
  server(requested?: string): InstalledServer {
    let madeBy: string | undefined;
    try {
      madeBy = readFileSync(this.madeByFile, 'utf8').split('\n')[0]?.split(' ')[1];
    } catch {
      madeBy = undefined;
    }
    const wanted = madeBy ?? this.context.datastoreVersion ?? requested;
    const found = findServer(wanted);
    if (found === undefined) {
      const installed = installedVersions().map((v) => `${v.flavor} ${v.name}`);
      throw this.failed(
        `MySQL/MariaDB ${wanted ?? ''} is not installed on this host (installed: ${installed.join(', ') || 'none'}; Debian packages: ${DEBIAN_PACKAGES}).`,
      );
    }
    return found;
  }

  /** Whom to run the server as: this process's user, or when that is root, the volume's owner. */
  async spawning(): Promise<Spawning> {
    const { mountPoint, runDir } = this.context;
    return spawningAsOwner(mountPoint, runDir, () =>
      this.failed(
        `${mountPoint} belongs to root, and the server is never run as root: give the volume to the guest's OS user.`,
      ),
    );
  }

  /** The socket is the admin account's way in: the run directory must be private to the server's user. */
  async checkRunDir(user: OsUser | undefined): Promise<void> {
    const problem = await runDirProblem(this.context.runDir, this.socket, user);
    if (problem !== undefined) throw this.failed(problem);
  }

  /** What prepare decided, kept for every later start; and the directory the server's files go in. */
  async recordSettings(request: PrepareRequest, user: OsUser | undefined): Promise<void> {
    const settings: RecordedSettings = { memoryMb: request.memoryMb };
    await this.writeReadOnly(this.settingsFile, `${JSON.stringify(settings)}\n`, user);
    await mkdir(this.filesDir, { recursive: true, mode: 0o700 });
    if (user !== undefined) await chown(this.filesDir, user.uid, user.gid);
    await chmod(this.filesDir, 0o700);
  }

  /**
   * The option file, rendered before every start from the recorded settings and the guest's own
   * options: what the server may have written into the old one (root can point its logs at any
   * file the server's user may write) never becomes configuration.
   */
  async writeServerConfig(user: OsUser | undefined): Promise<void> {
    const role = await readRole(this.context.mountPoint);
    const text = renderServerConfig({
      dataDir: this.dataDir,
      address: this.context.address,
      port: this.context.options.mysql_port,
      socket: this.socket,
      pidFile: this.pidFile,
      errorLog: this.logFile,
      filesDir: this.filesDir,
      memoryMb: (await this.#recorded()).memoryMb,
      flavor: this.server().flavor,
      replication: replicationSettings(this.context.guestId, role),
    });
    // The configuration group's values last, so they win over Cellar's own.
    const overrides = await storedOptionLines(this.context.mountPoint);
    await this.writeReadOnly(this.configFile, text + overrides, user);
    // Instances prepared before these files were read-only.
    for (const path of [this.adminCnf, this.madeByFile, this.backupCnf])
      if (existsSync(path)) await chmod(path, 0o400);
  }

  /** The flavor's RAM prepare recorded, which the memory settings are derived from. */
  async memoryMb(): Promise<number> {
    return (await this.#recorded()).memoryMb;
  }

  /** The settings prepare recorded; a file that is not exactly what it wrote is refused. */
  async #recorded(): Promise<RecordedSettings> {
    let text: string;
    try {
      text = await readFile(this.settingsFile, 'utf8');
    } catch {
      // Prepared before the settings were recorded: the smallest flavor's, until prepared again.
      this.context.log.warn('no recorded settings; the server starts with the smallest flavor');
      return { memoryMb: 512 };
    }
    const memoryMb: unknown = (() => {
      try {
        return (JSON.parse(text) as Partial<RecordedSettings>).memoryMb;
      } catch {
        return undefined;
      }
    })();
    if (typeof memoryMb !== 'number' || !Number.isSafeInteger(memoryMb) || memoryMb <= 0)
      throw this.failed(`${this.settingsFile} is not the settings prepare recorded`);
    return { memoryMb };
  }

  /**
   * Replaces a file whole, owned by the server's user so it can read it, and 0400 from its
   * creation: a temporary file the server made first (and may hold open) is removed, never reused.
   */
  async writeReadOnly(path: string, content: string, user: OsUser | undefined): Promise<void> {
    const temporary = `${path}.${process.pid}.tmp`;
    await rm(temporary, { force: true });
    await writeFile(temporary, content, { mode: 0o400, flag: 'wx' });
    if (user !== undefined) await chown(temporary, user.uid, user.gid);
    await rename(temporary, path);
  }

  async writeOwned(path: string, content: string): Promise<void> {
    await writeOwned(path, content, (await this.spawning()).user);
  }
}
