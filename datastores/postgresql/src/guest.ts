// The PostgreSQL guest manager: prepares a data directory on the volume and runs the server as the
// guest's OS user, then manages databases, users, their access and root through its admin socket.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chown, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  AlreadyExists,
  BadRequest,
  BaseDatastoreManager,
  type CellarError,
  defineDatastoreGuest,
  GuestError,
  GuestPrepareFailed,
  InstanceNotReady,
  isCellarError,
  NotFound,
  paginate,
  type DatabaseSpec,
  type GroupValues,
  type ListParams,
  type Page,
  type PrepareRequest,
  type ServiceStatus,
  type StandbyContext,
  type UserInfo,
  type UserRef,
  type UserSpec,
} from '@cellar/plugin-api';
import { ADMIN_USER, CELLAR_CONF, INCLUDE_LINE, renderCellarConf, renderHba } from './config.js';
import type options from './options.js';
import {
  logTail,
  run,
  runningPostmaster,
  startPostmaster,
  stopPostmaster,
  waitReady,
  type OsUser,
  type Spawning,
} from './postmaster.js';
import { scramVerifier } from './scram.js';
import { installedVersions } from './versions.js';
import { checkName, ident, literal } from './sql.js';

export type PostgresqlOptions = GroupValues<typeof options.guest>;

/** Crash recovery replays WAL before the server accepts connections, so starting may take a while. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** A configuration file with errors is never loaded: give up on waiting for it after this long. */
const RELOAD_TIMEOUT_MS = 10_000;
const POLL_MS = 10;
/** sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
const ROOT_USER = 'root';
/** Databases PostgreSQL itself needs; never listed, changed or dropped through the API. */
const TEMPLATES = ['template0', 'template1'];
/**
 * The admin session's own settings: its statements (which carry password verifiers) are never
 * logged, neither for their duration nor when they fail, and literals are read as the quoting
 * assumes.
 */
const ADMIN_SESSION = [
  'log_min_duration_statement=-1',
  'log_statement=none',
  'log_min_error_statement=panic',
  'standard_conforming_strings=on',
]
  .map((setting) => `-c ${setting}`)
  .join(' ');

const pgCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};
const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class PostgresqlManager extends BaseDatastoreManager<PostgresqlOptions> {
  #admin: Promise<pg.Client> | undefined;
  #preparing = false;

  private get dataDir(): string {
    return join(this.context.mountPoint, 'data');
  }
  /** Left by stopDb and removed by every start: tells a stopped server from a crashed one. */
  private get stoppedMarker(): string {
    return join(this.context.mountPoint, 'cellar-stopped');
  }
  private get logFile(): string {
    return join(this.context.logDir, 'postgresql.log');
  }
  private get prepared(): boolean {
    return existsSync(join(this.dataDir, 'PG_VERSION'));
  }

  // lifecycle

  override async prepare(request: PrepareRequest): Promise<void> {
    this.#preparing = true;
    try {
      await this.#prepare(request);
    } catch (error) {
      if (isCellarError(error)) throw error;
      throw new GuestError({ reason: `prepare failed: ${message(error)}` }, { cause: error });
    } finally {
      this.#preparing = false;
    }
  }

  async #prepare(request: PrepareRequest): Promise<void> {
    const spawning = await this.#spawning();
    await this.#checkRunDir(spawning.user);
    // The volume's mount point reaches the manager in its context; the request's copy is the same.
    if (!this.prepared) {
      const staging = await this.#stage(this.#binDir(request.datastoreVersion));
      await this.#writeServerConfig(staging, request, spawning.user);
      await rename(staging, this.dataDir);
    } else {
      await this.#writeServerConfig(this.dataDir, request, spawning.user);
    }
    if (runningPostmaster(this.dataDir) === undefined) await this.#start(spawning);
    else await this.#reload();
    // A repeated prepare (the taskmanager retrying) finds what the first one created and goes on.
    await this.#createDatabases(request.databases, true);
    await this.#createUsers(request.users, true);
    if (request.rootPassword !== undefined) await this.enableRootWithPassword(request.rootPassword);
  }

  /** initdb for this instance, once: begun by prepareAhead, awaited by prepare. */
  #staged?: { readonly binDir: string; readonly done: Promise<string> };

  /**
   * initdb into a staging directory, renamed into place by prepare only once configured, so an
   * instance interrupted half way is simply initialised again, and a heartbeat never sees a data
   * directory without its server. Resolves with the staging directory.
   */
  #stage(binDir: string): Promise<string> {
    if (this.#staged?.binDir === binDir) return this.#staged.done;
    const staging = join(this.context.mountPoint, 'data.initdb');
    const done = (async () => {
      const spawning = await this.#spawning();
      await rm(staging, { recursive: true, force: true });
      if (await this.#takeFromStandby(binDir, staging)) return staging;
      await initdb(binDir, staging, spawning).catch((error: unknown) => {
        throw this.#startFailed(message(error), error);
      });
      return staging;
    })();
    this.#staged = { binDir, done };
    // A failed initdb is tried again by the next prepare.
    done.catch(() => {
      if (this.#staged?.done === done) this.#staged = undefined;
    });
    return done;
  }

  /**
   * The data directory this agent initialised as a standby, moved into place, when the same
   * PostgreSQL made it: a rename on the volume's filesystem instead of initdb's thousand files.
   */
  async #takeFromStandby(binDir: string, staging: string): Promise<boolean> {
    const standby = this.context.standby;
    if (standby === undefined) return false;
    try {
      // Made for another version: not worth waiting for.
      const intended = await readFile(join(standby.dir, STANDBY_FOR), 'utf8').catch(
        () => undefined,
      );
      if (intended !== undefined && intended !== binDir) return false;
      await standby.done;
      if ((await readFile(join(standby.dir, STANDBY_MADE_BY), 'utf8')) !== binDir) return false;
      await rename(join(standby.dir, STANDBY_DATA), staging);
      this.context.log.info('the data directory initialised ahead by the standby agent is used', {
        binDir,
      });
      return true;
    } catch (error) {
      this.context.log.warn('the standby agent left no usable data directory; running initdb', {
        err: error,
      });
      return false;
    }
  }

  /** initdb needs nothing from the prepare request: it starts while the control plane still works. */
  override async prepareAhead(): Promise<void> {
    if (!this.prepared) await this.#stage(this.#binDir());
  }

  /**
   * For the guest agent to call when it starts on an instance prepared earlier: starts the server
   * unless it is already running (the agent restarted while it ran on), and adopts it either way.
   */
  override async resume(): Promise<void> {
    if (!this.prepared || runningPostmaster(this.dataDir) !== undefined) return;
    await this.#start(await this.#spawning());
  }

  override async restart(): Promise<void> {
    if (!this.prepared)
      throw new GuestError({
        reason: 'PostgreSQL cannot be restarted: the instance has not been prepared.',
      });
    await this.stopDb();
    await this.#start(await this.#spawning());
  }

  override async stopDb(): Promise<void> {
    await this.#closeAdmin();
    const running = runningPostmaster(this.dataDir);
    if (this.prepared)
      await this.#writeOwned(
        this.stoppedMarker,
        'stopped through the guest agent\n',
        (await this.#spawning()).user,
      );
    if (running === undefined) return;
    try {
      await stopPostmaster(running.pid, STOP_TIMEOUT_MS);
    } catch (error) {
      throw new GuestError({ reason: message(error) }, { cause: error });
    }
  }

  override async getServiceStatus(): Promise<ServiceStatus> {
    if (this.#preparing || !this.prepared) return 'building';
    if (runningPostmaster(this.dataDir) !== undefined) {
      try {
        await this.#inSession('postgres', 'SELECT 1');
        return 'healthy';
      } catch {
        return 'unknown';
      }
    }
    return existsSync(this.stoppedMarker) ? 'shutdown' : 'crashed';
  }

  override async applyAccess(allowedCidrs: readonly string[]): Promise<boolean> {
    const hba = renderHba(allowedCidrs);
    if (!this.prepared)
      throw new GuestError({
        reason: 'Access cannot be applied: the instance has not been prepared.',
      });
    await this.#writeOwned(join(this.dataDir, 'pg_hba.conf'), hba, (await this.#spawning()).user);
    if (runningPostmaster(this.dataDir) !== undefined) await this.#reload();
    return true;
  }

  // databases

  override async createDatabase(databases: readonly DatabaseSpec[]): Promise<void> {
    await this.#createDatabases(databases, false);
  }

  override async listDatabases(params: ListParams): Promise<Page<DatabaseSpec>> {
    const { rows } = await this.#query<{ name: string; encoding: string; collate: string }>(
      `SELECT datname AS name, pg_encoding_to_char(encoding) AS encoding, datcollate AS collate
       FROM pg_database WHERE NOT datistemplate AND datallowconn`,
    );
    const databases = rows
      .filter((r) => !this.#ignoredDatabase(r.name))
      .sort((a, b) => byName(a.name, b.name))
      .map((r): DatabaseSpec => ({ name: r.name, characterSet: r.encoding, collate: r.collate }));
    return paginate(databases, params, (d) => d.name);
  }

  override async deleteDatabase(database: DatabaseSpec): Promise<void> {
    const name = this.#checkDatabase(database.name);
    if (!(await this.#databaseExists(name))) throw new NotFound({ resource: 'Database', id: name });
    try {
      if (Number(this.#dataVersion()) >= 13) {
        await this.#query(`DROP DATABASE ${ident(name)} WITH (FORCE)`);
      } else {
        await this.#query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        await this.#query(`DROP DATABASE ${ident(name)}`);
      }
    } catch (error) {
      if (pgCode(error) === '3D000') throw new NotFound({ resource: 'Database', id: name });
      throw error;
    }
  }

  // users

  override async createUser(users: readonly UserSpec[]): Promise<void> {
    await this.#createUsers(users, false);
  }

  override async listUsers(params: ListParams): Promise<Page<UserInfo>> {
    const names = (await this.#loginRoles())
      .filter((name) => !this.#ignoredUser(name))
      .sort(byName);
    const access = await this.#accessByUser();
    const users = names.map((name): UserInfo => ({
      name,
      databases: (access.get(name) ?? []).map((db) => ({ name: db })),
    }));
    return paginate(users, params, (u) => u.name);
  }

  override async getUser(user: UserRef): Promise<UserInfo | undefined> {
    const name = this.#checkUser(user.name);
    if (!(await this.#userExists(name))) return undefined;
    return { name, databases: await this.#accessOf(name) };
  }

  override async deleteUser(user: UserRef): Promise<void> {
    const name = await this.#existingUser(user.name);
    // No new sessions, none left over, then nothing owned or granted anywhere: DROP ROLE needs that.
    await this.#query(`ALTER ROLE ${ident(name)} NOLOGIN`);
    try {
      await this.#dropRole(name);
    } catch (error) {
      // Still there, so still a user the API can see and try again to delete.
      await this.#query(`ALTER ROLE ${ident(name)} LOGIN`).catch(() => undefined);
      throw error;
    }
  }

  async #dropRole(name: string): Promise<void> {
    await this.#query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
      name,
    ]);
    const { rows } = await this.#query<{ datname: string | null }>(
      `SELECT DISTINCT d.datname FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
       WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)
         AND (d.datname IS NULL OR d.datallowconn)`,
      [name],
    );
    // Shared objects (dbid 0: databases it owns, their grants) are handled from any database.
    const databases = new Set(rows.map((r) => r.datname ?? 'postgres'));
    for (const database of databases) {
      await this.#inSession(
        database,
        `REASSIGN OWNED BY ${ident(name)} TO ${ident(ADMIN_USER)}; DROP OWNED BY ${ident(name)}`,
      );
    }
    await this.#query(`DROP ROLE ${ident(name)}`);
  }

  override async changePasswords(
    users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    for (const user of users) this.#checkUser(user.name);
    for (const user of users) {
      try {
        await this.#query(
          `ALTER ROLE ${ident(user.name)} PASSWORD ${this.#password(user.password)}`,
        );
      } catch (error) {
        if (pgCode(error) === '42704') throw new NotFound({ resource: 'User', id: user.name });
        throw error;
      }
    }
  }

  override async updateAttributes(user: UserRef, attributes: Partial<UserSpec>): Promise<void> {
    const name = await this.#existingUser(user.name);
    const newName =
      attributes.name !== undefined && attributes.name !== name
        ? this.#checkUser(attributes.name)
        : undefined;
    if (newName !== undefined && (await this.#roleExists(newName)))
      throw new AlreadyExists({ resource: 'User', name: newName });
    const statements = [
      ...(newName !== undefined ? [`ALTER ROLE ${ident(name)} RENAME TO ${ident(newName)}`] : []),
      // After the rename, which would clear an MD5 password (SCRAM ones survive it).
      ...(attributes.password !== undefined
        ? [`ALTER ROLE ${ident(newName ?? name)} PASSWORD ${this.#password(attributes.password)}`]
        : []),
    ];
    // One simple query: its statements run in one implicit transaction, all or nothing.
    if (statements.length > 0) await this.#query(statements.join('; '));
  }

  // user-access

  override async grantAccess(user: UserRef, databases: readonly string[]): Promise<void> {
    const name = await this.#existingUser(user.name);
    for (const database of databases) this.#checkDatabase(database);
    for (const database of databases) {
      if (!(await this.#databaseExists(database)))
        throw new NotFound({ resource: 'Database', id: database });
    }
    await this.#grant(name, databases);
  }

  override async revokeAccess(user: UserRef, database: string): Promise<void> {
    const name = await this.#existingUser(user.name);
    this.#checkDatabase(database);
    if (!(await this.#accessOf(name)).some((d) => d.name === database)) {
      throw new NotFound({ resource: `User ${name}'s access to database`, id: database });
    }
    await this.#query(`REVOKE ALL PRIVILEGES ON DATABASE ${ident(database)} FROM ${ident(name)}`);
    await this.#onPublicSchema(database, `REVOKE ALL ON SCHEMA public FROM ${ident(name)}`);
  }

  override async listAccess(user: UserRef): Promise<readonly DatabaseSpec[]> {
    return this.#accessOf(await this.#existingUser(user.name));
  }

  // root

  override async enableRoot(): Promise<UserSpec> {
    const length = this.context.options.default_password_length;
    const password = randomBytes(Math.ceil((length * 3) / 4))
      .toString('base64url')
      .slice(0, length);
    return this.enableRootWithPassword(password);
  }

  override async enableRootWithPassword(password: string): Promise<UserSpec> {
    const verb = (await this.#roleExists(ROOT_USER)) ? 'ALTER' : 'CREATE';
    await this.#query(
      `${verb} ROLE ${ident(ROOT_USER)} WITH SUPERUSER LOGIN PASSWORD ${this.#password(password)}`,
    );
    return { name: ROOT_USER, password };
  }

  /**
   * Takes root's superuser power, login and password away and ends its sessions, but keeps the
   * role: whatever root created stays, owned by it, and enabling root again gives it back.
   */
  override async disableRoot(): Promise<void> {
    if (!(await this.#roleExists(ROOT_USER))) return;
    await this.#query(`ALTER ROLE ${ident(ROOT_USER)} WITH NOSUPERUSER NOLOGIN PASSWORD NULL`);
    await this.#query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
      ROOT_USER,
    ]);
  }

  override async isRootEnabled(): Promise<boolean> {
    const { rows } = await this.#query<{ enabled: boolean }>(
      'SELECT rolsuper AND rolcanlogin AS enabled FROM pg_roles WHERE rolname = $1',
      [ROOT_USER],
    );
    return rows[0]?.enabled === true;
  }

  // the server process

  /** Whom to run PostgreSQL as: this process's user, or when that is root, the volume's owner. */
  async #spawning(): Promise<Spawning> {
    const home = this.context.runDir;
    if (process.getuid?.() !== 0) return { home };
    const owner = await stat(this.context.mountPoint);
    if (owner.uid === 0) {
      throw this.#startFailed(
        `${this.context.mountPoint} belongs to root, and PostgreSQL refuses to run as root: give the volume to the guest's OS user.`,
      );
    }
    return { home, user: { uid: owner.uid, gid: owner.gid } };
  }

  /** The socket directory is the admin role's only protection: it must be private to the server's user. */
  async #checkRunDir(user: OsUser | undefined): Promise<void> {
    const { runDir } = this.context;
    const socket = join(runDir, `.s.PGSQL.${this.context.options.postgresql_port}`);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
      throw this.#startFailed(
        `the socket path ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter run directory.`,
      );
    }
    const dir = await stat(runDir);
    if ((dir.mode & 0o077) !== 0)
      throw this.#startFailed(
        `the run directory ${runDir} must be private to the guest's OS user (mode 0700).`,
      );
    const uid = user?.uid ?? process.getuid?.();
    if (uid !== undefined && dir.uid !== uid)
      throw this.#startFailed(
        `the run directory ${runDir} must belong to the server's OS user (uid ${uid}).`,
      );
  }

  #binDir(requested?: string): string {
    const versions = installedVersions();
    const major = (v: string | undefined): string | undefined =>
      v === undefined ? undefined : /\d+/.exec(v)?.[0];
    // The data directory's own version decides once there is one: no other major can run it.
    const wanted =
      this.#dataVersion() ??
      major(this.context.datastoreVersion) ??
      major(requested) ??
      versions[0]?.name;
    const found = versions.find((v) => v.name === wanted);
    if (found === undefined) {
      const installed = versions.map((v) => v.name).join(', ') || 'none';
      throw this.#startFailed(
        `PostgreSQL ${wanted ?? ''} is not installed in /usr/lib/postgresql (installed: ${installed}).`,
      );
    }
    return found.location;
  }

  /** The major version the data directory was made by, once there is one. */
  #dataVersion(): string | undefined {
    return this.prepared
      ? readFileSync(join(this.dataDir, 'PG_VERSION'), 'utf8').trim()
      : undefined;
  }

  async #writeServerConfig(
    dataDir: string,
    request: PrepareRequest,
    user: OsUser | undefined,
  ): Promise<void> {
    const conf = renderCellarConf({
      address: this.context.address,
      port: this.context.options.postgresql_port,
      socketDir: this.context.runDir,
      memoryMb: request.memoryMb,
    });
    await this.#writeOwned(join(dataDir, CELLAR_CONF), conf, user);
    await this.#writeOwned(
      join(dataDir, 'pg_hba.conf'),
      renderHba(request.allowedCidrs ?? []),
      user,
    );
    const main = join(dataDir, 'postgresql.conf');
    if (!(await readFile(main, 'utf8')).split('\n').includes(INCLUDE_LINE)) {
      await appendFile(main, `\n# Cellar's settings, last so that they win.\n${INCLUDE_LINE}\n`);
    }
  }

  /** Replaces a file whole (write and rename), owned by the server's user so it can read it. */
  async #writeOwned(path: string, content: string, user: OsUser | undefined): Promise<void> {
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, content, { mode: 0o600 });
    if (user !== undefined) await chown(temporary, user.uid, user.gid);
    await rename(temporary, path);
  }

  async #start(spawning: Spawning): Promise<void> {
    await mkdir(this.context.logDir, { recursive: true });
    await rm(this.stoppedMarker, { force: true });
    const child = startPostmaster(this.#binDir(), this.dataDir, this.logFile, spawning);
    try {
      await waitReady(this.dataDir, child, START_TIMEOUT_MS);
    } catch (error) {
      if (child.pid !== undefined && child.exitCode === null)
        await stopPostmaster(child.pid, STOP_TIMEOUT_MS).catch(() => undefined);
      throw this.#startFailed(
        `${message(error)}; the server log ends:\n${await logTail(this.logFile)}`,
        error,
      );
    }
  }

  /**
   * Has the postmaster reread its configuration and pg_hba.conf, and waits until it has: a new
   * session reports the postmaster's load time, and is only forked once the reload is done.
   */
  async #reload(): Promise<void> {
    const { rows } = await this.#query<{ before: string }>(
      'SELECT clock_timestamp()::text AS before',
    );
    const before = rows[0]?.before ?? '-infinity';
    await this.#query('SELECT pg_reload_conf()');
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    for (;;) {
      const result = await this.#inSession<{ done: boolean }>(
        'postgres',
        'SELECT pg_conf_load_time() > $1::timestamptz AS done',
        [before],
      );
      if (result.rows[0]?.done === true) return;
      if (Date.now() > deadline) {
        throw new GuestError({
          reason: `PostgreSQL did not reload its configuration; the server log ends:\n${await logTail(this.logFile)}`,
        });
      }
      await sleep(POLL_MS);
    }
  }

  #startFailed(reason: string, cause?: unknown): CellarError {
    return new GuestPrepareFailed(
      { datastore: this.datastore, instance: this.context.guestId, reason },
      { cause },
    );
  }

  // SQL

  #client(database: string): pg.Client {
    return new pg.Client({
      host: this.context.runDir,
      port: this.context.options.postgresql_port,
      user: ADMIN_USER,
      database,
      application_name: 'cellar-guest',
      options: ADMIN_SESSION,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
  }

  /** The one admin session, opened on first use and again after it is lost. */
  async #adminClient(): Promise<pg.Client> {
    if (this.#admin === undefined) {
      const client = this.#client('postgres');
      const connecting = client.connect().then(
        () => client,
        // Most often the server is stopped or still starting: say so in the instance's terms.
        async (error: unknown) => {
          throw new InstanceNotReady(
            { id: this.context.guestId, status: await this.getServiceStatus() },
            { cause: error },
          );
        },
      );
      const forget = (): void => {
        if (this.#admin === connecting) this.#admin = undefined;
      };
      client.on('error', forget);
      client.on('end', forget);
      connecting.catch(forget);
      this.#admin = connecting;
    }
    return this.#admin;
  }

  async #closeAdmin(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin !== undefined) await admin.then((c) => c.end()).catch(() => undefined);
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return (await this.#adminClient()).query<R>(sql, values);
  }

  /** Runs statements in a session of its own (another database, or a fresh fork of the server), closed after. */
  async #inSession<R extends pg.QueryResultRow = pg.QueryResultRow>(
    database: string,
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const client = this.#client(database);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.query<R>(sql, values);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Schema public's privileges, where the database still has that schema. */
  async #onPublicSchema(database: string, sql: string): Promise<void> {
    try {
      await this.#inSession(database, sql);
    } catch (error) {
      if (pgCode(error) !== '3F000') throw error;
    }
  }

  /** A password as the statement carries it: always its SCRAM verifier, never the password. */
  #password(password: string): string {
    if (password.length === 0) throw new BadRequest({ reason: 'A password must not be empty.' });
    return literal(scramVerifier(password));
  }

  // names

  #ignoredDatabase(name: string): boolean {
    return TEMPLATES.includes(name) || this.context.options.ignore_dbs.includes(name);
  }

  #ignoredUser(name: string): boolean {
    return name === ROOT_USER || this.context.options.ignore_users.includes(name);
  }

  #checkDatabase(name: string): string {
    checkName('Database', name);
    if (this.#ignoredDatabase(name))
      throw new BadRequest({
        reason: `Database ${name} is reserved for the guest and cannot be used through this operation.`,
      });
    return name;
  }

  #checkUser(name: string): string {
    checkName('User', name);
    if (name === ROOT_USER)
      throw new BadRequest({ reason: 'User root is managed through the root operations.' });
    if (this.#ignoredUser(name))
      throw new BadRequest({
        reason: `User ${name} is reserved for the guest and cannot be used through this operation.`,
      });
    if (name.startsWith('pg_'))
      throw new BadRequest({
        reason: `User names starting with pg_ are reserved by PostgreSQL: ${name}.`,
      });
    return name;
  }

  async #databaseExists(name: string): Promise<boolean> {
    return (
      (await this.#query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1
    );
  }

  async #roleExists(name: string): Promise<boolean> {
    return (await this.#query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
  }

  async #userExists(name: string): Promise<boolean> {
    return (
      (await this.#query('SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin', [name]))
        .rowCount === 1
    );
  }

  async #existingUser(name: string): Promise<string> {
    this.#checkUser(name);
    if (!(await this.#userExists(name))) throw new NotFound({ resource: 'User', id: name });
    return name;
  }

  async #loginRoles(): Promise<string[]> {
    const { rows } = await this.#query<{ name: string }>(
      "SELECT rolname AS name FROM pg_roles WHERE rolcanlogin AND rolname !~ '^pg_'",
    );
    return rows.map((r) => r.name);
  }

  // databases, users and access

  async #createDatabases(databases: readonly DatabaseSpec[], skipExisting: boolean): Promise<void> {
    for (const database of databases) this.#checkDatabase(database.name);
    const wanted = [...new Map(databases.map((d) => [d.name, d])).values()];
    const todo: DatabaseSpec[] = [];
    for (const database of wanted) {
      if (!(await this.#databaseExists(database.name))) todo.push(database);
      else if (!skipExisting)
        throw new AlreadyExists({ resource: 'Database', name: database.name });
    }
    for (const database of todo) {
      const clauses = [
        ...(database.characterSet !== undefined || database.collate !== undefined
          ? ['TEMPLATE template0']
          : []),
        ...(database.characterSet !== undefined
          ? [`ENCODING ${literal(database.characterSet)}`]
          : []),
        ...(database.collate !== undefined
          ? [`LC_COLLATE ${literal(database.collate)} LC_CTYPE ${literal(database.collate)}`]
          : []),
      ];
      try {
        await this.#query(`CREATE DATABASE ${ident(database.name)} ${clauses.join(' ')}`.trim());
      } catch (error) {
        const code = pgCode(error);
        if (code === '42P04')
          throw new AlreadyExists({ resource: 'Database', name: database.name });
        // An unknown encoding or locale, or the two not matching.
        if (code?.startsWith('22') === true || code?.startsWith('42') === true)
          throw new BadRequest({ reason: message(error) }, { cause: error });
        throw error;
      }
      // Only users granted access may connect: PUBLIC's default CONNECT and TEMP would let every user in.
      await this.#query(`REVOKE ALL ON DATABASE ${ident(database.name)} FROM PUBLIC`);
    }
  }

  async #createUsers(users: readonly UserSpec[], skipExisting: boolean): Promise<void> {
    for (const user of users) {
      this.#checkUser(user.name);
      for (const database of user.databases ?? []) this.#checkDatabase(database.name);
    }
    const todo: UserSpec[] = [];
    for (const user of new Map(users.map((u) => [u.name, u])).values()) {
      if (!(await this.#roleExists(user.name))) todo.push(user);
      else if (!skipExisting) throw new AlreadyExists({ resource: 'User', name: user.name });
    }
    for (const database of new Set(todo.flatMap((u) => (u.databases ?? []).map((d) => d.name)))) {
      if (!(await this.#databaseExists(database)))
        throw new NotFound({ resource: 'Database', id: database });
    }
    for (const user of todo) {
      const password =
        user.password !== undefined ? ` PASSWORD ${this.#password(user.password)}` : '';
      try {
        await this.#query(`CREATE ROLE ${ident(user.name)} WITH LOGIN${password}`);
      } catch (error) {
        if (pgCode(error) === '42710')
          throw new AlreadyExists({ resource: 'User', name: user.name });
        throw error;
      }
      await this.#grant(
        user.name,
        (user.databases ?? []).map((d) => d.name),
      );
    }
  }

  /**
   * Everything on the database, and on its schema public: since PostgreSQL 15 PUBLIC may no
   * longer create there, so without it the user could connect but not create a table.
   */
  async #grant(user: string, databases: readonly string[]): Promise<void> {
    for (const database of databases) {
      await this.#query(`GRANT ALL PRIVILEGES ON DATABASE ${ident(database)} TO ${ident(user)}`);
      await this.#onPublicSchema(database, `GRANT ALL ON SCHEMA public TO ${ident(user)}`);
    }
  }

  /** Databases on which each role was granted CONNECT or CREATE (the owner's implicit rights do not count). */
  async #accessByUser(user?: string): Promise<Map<string, string[]>> {
    const { rows } = await this.#query<{ user: string; database: string }>(
      `SELECT DISTINCT r.rolname AS user, d.datname AS database
       FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
       WHERE NOT d.datistemplate AND a.privilege_type IN ('CONNECT', 'CREATE') AND ($1::name IS NULL OR r.rolname = $1)`,
      [user ?? null],
    );
    const access = new Map<string, string[]>();
    for (const row of rows) {
      if (this.#ignoredDatabase(row.database)) continue;
      access.set(row.user, [...(access.get(row.user) ?? []), row.database].sort(byName));
    }
    return access;
  }

  async #accessOf(user: string): Promise<DatabaseSpec[]> {
    return ((await this.#accessByUser(user)).get(user) ?? []).map((name) => ({ name }));
  }
}

/** Where a standby's initdb puts the data directory; the files naming the binaries it uses, and that made it. */
const STANDBY_DATA = 'data.initdb';
const STANDBY_FOR = 'made-with';
const STANDBY_MADE_BY = 'made-by';

/** The guest's initdb: the cluster every instance starts from; its settings come later, in cellar.conf. */
function initdb(binDir: string, dataDir: string, spawning: Spawning): Promise<void> {
  return run(
    join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      `--username=${ADMIN_USER}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      // C.UTF-8: Unicode-aware upper/lower and a code-point collation that no glibc upgrade reorders.
      '--locale=C.UTF-8',
    ],
    spawning,
  );
}

/**
 * A standby agent's work ahead: initdb for the default version into its own directory, as the
 * OS user of the instance it will serve. Its cluster is fresh (its own system identifier), made
 * for no instance in particular; the manager renames it into the instance's volume.
 */
async function standby(context: StandbyContext): Promise<void> {
  const versions = installedVersions();
  const major =
    context.datastoreVersion === undefined ? undefined : /\d+/.exec(context.datastoreVersion)?.[0];
  const found =
    versions.find((v) => v.name === major) ?? (major === undefined ? versions[0] : undefined);
  if (found === undefined) return;
  // As the manager does: run as root, initdb runs as the directory's owner (it refuses root).
  const owner = process.getuid?.() === 0 ? await stat(context.dir) : undefined;
  if (owner?.uid === 0)
    throw new Error(`${context.dir} belongs to root, and initdb refuses to run as root`);
  if (context.signal.aborted) return;
  await writeFile(join(context.dir, STANDBY_FOR), found.location);
  const spawning: Spawning = {
    home: context.dir,
    ...(owner ? { user: { uid: owner.uid, gid: owner.gid } } : {}),
  };
  // Not aborted once begun: an initdb killed half way leaves its bootstrap server's shared memory
  // segments in /dev/shm, and it is done in a second or two.
  await initdb(found.location, join(context.dir, STANDBY_DATA), spawning);
  await writeFile(join(context.dir, STANDBY_MADE_BY), found.location);
}

export default defineDatastoreGuest({ name: 'postgresql', manager: PostgresqlManager, standby });
