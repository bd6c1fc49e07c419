// The instance's files and the identity its server runs with:
//
//   <mount>/data/               the data directory; renamed in from data.install once initialised
//   <mount>/data.install/       the initialiser's staging directory (or the standby's, renamed)
//   <mount>/cellar.cnf          the server's option file: rewritten by every prepare
//   <mount>/cellar-admin.cnf    the admin account's password (0600), written once the server has it
//   <mount>/cellar-server       which server made the data directory (`mariadb 10.11`)
//   <mount>/cellar-stopped      left by stop_db, removed by every start: stopped, not crashed
//   <mount>/files/              the only directory the server reads and writes files in (0700)
//   <runDir>/mysqld.sock, mysqld.pid   the admin socket and the server's PID
//   <logDir>/mysqld.log         the server's error log

import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
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
import {
  DEBIAN_PACKAGES,
  findServer,
  installedVersions,
  type InstalledServer,
} from './versions.js';

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
  get adminCnf(): string {
    return join(this.context.mountPoint, 'cellar-admin.cnf');
  }
  get madeByFile(): string {
    return join(this.context.mountPoint, 'cellar-server');
  }
  get stoppedMarker(): string {
    return join(this.context.mountPoint, 'cellar-stopped');
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
      madeBy = readFileSync(this.madeByFile, 'utf8').trim().split(' ')[1];
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

  /** The option file for this request: address, port, files, and the flavor's memory settings. */
  async writeServerConfig(request: PrepareRequest, user: OsUser | undefined): Promise<void> {
    const text = renderServerConfig({
      dataDir: this.dataDir,
      address: this.context.address,
      port: this.context.options.mysql_port,
      socket: this.socket,
      pidFile: this.pidFile,
      errorLog: this.logFile,
      filesDir: this.filesDir,
      memoryMb: request.memoryMb,
      flavor: this.server().flavor,
    });
    await writeOwned(this.configFile, text, user);
    await mkdir(this.filesDir, { recursive: true, mode: 0o700 });
    if (user !== undefined) await chown(this.filesDir, user.uid, user.gid);
    await chmod(this.filesDir, 0o700);
  }

  async writeOwned(path: string, content: string): Promise<void> {
    await writeOwned(path, content, (await this.spawning()).user);
  }
}
