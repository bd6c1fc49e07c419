// The instance's files: the data directory on the volume with Cellar's cellar.conf and pg_hba.conf
// in it, the stopped marker beside it, and the binaries, OS user and socket directory it runs with.
//
//   <mount>/data/                 the cluster (PG_VERSION says its major); renamed in once configured
//   <mount>/data/cellar.conf      listen, socket, memory, logging: rewritten by every prepare
//   <mount>/data/pg_hba.conf      from the allowed CIDRs: rewritten by prepare and apply_access
//   <mount>/data.initdb/          initdb's staging directory, renamed to data/ by prepare
//   <mount>/cellar-stopped        left by stop_db, removed by every start: stopped, not crashed
//   <mount>/wal-archive/          completed WAL files, gzipped by archive_command (wal-archive.ts)
//   <mount>/data.restore/         a restore's data directory, renamed to data/ once laid out
//   <mount>/restore-wal/          the WAL a restore replays (restore_command reads it); removed after
//   <logDir>/postgresql.log       the server's stderr

import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chown, mkdir, readFile } from 'node:fs/promises';
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
import { CELLAR_CONF, INCLUDE_LINE, renderCellarConf, renderHba } from './config.js';
import { installedVersions } from './versions.js';

/** The guest options the files depend on. */
export interface FileOptions {
  readonly postgresql_port: number;
  readonly wal_archiving: boolean;
  readonly wal_archive_timeout: number;
  readonly enable_clean_wal_archives: boolean;
}

const majorOf = (version: string | undefined): string | undefined =>
  version === undefined ? undefined : /\d+/.exec(version)?.[0];

export class DataDirectory {
  constructor(private readonly context: GuestContext<FileOptions>) {}

  get dataDir(): string {
    return join(this.context.mountPoint, 'data');
  }
  get stagingDir(): string {
    return join(this.context.mountPoint, 'data.initdb');
  }
  get archiveDir(): string {
    return join(this.context.mountPoint, 'wal-archive');
  }
  get restoreDir(): string {
    return join(this.context.mountPoint, 'data.restore');
  }
  get restoreWalDir(): string {
    return join(this.context.mountPoint, 'restore-wal');
  }

  /** Whether a full backup removes the archived WAL before its start. */
  get cleanWalArchives(): boolean {
    return this.context.options.enable_clean_wal_archives;
  }

  /** A directory of the server's user, private to it (a data directory must be 0700). */
  async ownedDir(path: string, user: OsUser | undefined): Promise<void> {
    await mkdir(path, { recursive: true, mode: 0o700 });
    if (user !== undefined) await chown(path, user.uid, user.gid);
  }

  /** Left by stop_db and removed by every start: tells a stopped server from a crashed one. */
  get stoppedMarker(): string {
    return join(this.context.mountPoint, 'cellar-stopped');
  }
  get logFile(): string {
    return join(this.context.logDir, 'postgresql.log');
  }
  get prepared(): boolean {
    return existsSync(join(this.dataDir, 'PG_VERSION'));
  }

  /** The major version the data directory was made by, once there is one. */
  dataVersion(): string | undefined {
    return this.prepared
      ? readFileSync(join(this.dataDir, 'PG_VERSION'), 'utf8').trim()
      : undefined;
  }

  /** A prepare that cannot go on, in the catalog's words. */
  failed(reason: string, cause?: unknown): CellarError {
    return new GuestPrepareFailed(
      { datastore: this.context.datastore, instance: this.context.guestId, reason },
      { cause },
    );
  }

  /** The binaries to run: the data directory's own major once there is one, else the requested. */
  binDir(requested?: string): string {
    const versions = installedVersions();
    // The data directory's own version decides once there is one: no other major can run it.
    const wanted =
      this.dataVersion() ??
      majorOf(this.context.datastoreVersion) ??
      majorOf(requested) ??
      versions[0]?.name;
    const found = versions.find((v) => v.name === wanted);
    if (found === undefined) {
      const installed = versions.map((v) => v.name).join(', ') || 'none';
      throw this.failed(
        `PostgreSQL ${wanted ?? ''} is not installed in /usr/lib/postgresql (installed: ${installed}).`,
      );
    }
    return found.location;
  }

  /** Whom to run PostgreSQL as: this process's user, or when that is root, the volume's owner. */
  async spawning(): Promise<Spawning> {
    const { mountPoint, runDir } = this.context;
    return spawningAsOwner(mountPoint, runDir, () =>
      this.failed(
        `${mountPoint} belongs to root, and PostgreSQL refuses to run as root: give the volume to the guest's OS user.`,
      ),
    );
  }

  /** The socket directory is the admin role's only protection: it must be private to the server's user. */
  async checkRunDir(user: OsUser | undefined): Promise<void> {
    const { runDir } = this.context;
    const socket = join(runDir, `.s.PGSQL.${this.context.options.postgresql_port}`);
    const problem = await runDirProblem(runDir, socket, user);
    if (problem !== undefined) throw this.failed(problem);
  }

  /** cellar.conf and pg_hba.conf for this request, and the include line in postgresql.conf. */
  async writeServerConfig(
    dataDir: string,
    request: PrepareRequest,
    user: OsUser | undefined,
  ): Promise<void> {
    const conf = renderCellarConf({
      address: this.context.address,
      port: this.context.options.postgresql_port,
      socketDir: this.context.runDir,
      memoryMb: request.memoryMb,
      wal: {
        archiveDir: this.archiveDir,
        always: this.context.options.wal_archiving,
        // A quiet server closes its segment this often, so the shipped archive stays current.
        archiveTimeoutS: this.context.options.wal_archiving
          ? this.context.options.wal_archive_timeout
          : 0,
      },
    });
    await this.ownedDir(this.archiveDir, user);
    await writeOwned(join(dataDir, CELLAR_CONF), conf, user);
    await writeOwned(join(dataDir, 'pg_hba.conf'), renderHba(request.allowedCidrs ?? []), user);
    const main = join(dataDir, 'postgresql.conf');
    if (!(await readFile(main, 'utf8')).split('\n').includes(INCLUDE_LINE)) {
      await appendFile(main, `\n# Cellar's settings, last so that they win.\n${INCLUDE_LINE}\n`);
    }
  }

  /** pg_hba.conf as renderHba made it. */
  async writeHba(hba: string): Promise<void> {
    await writeOwned(join(this.dataDir, 'pg_hba.conf'), hba, (await this.spawning()).user);
  }

  /** Whether stop_db left its marker (since the last start). */
  get stopped(): boolean {
    return existsSync(this.stoppedMarker);
  }

  /** Empty: an inode and no data block, so a server on a full volume can still be stopped. */
  async markStopped(): Promise<void> {
    await writeOwned(this.stoppedMarker, '', (await this.spawning()).user);
  }
}
