// The source's side: the account and semi-synchronous commits its replicas need, how they reach
// it (a ReplicationSource), and giving that role up when it is about to follow another server.

import { rm } from 'node:fs/promises';
import { GuestError, type Json, type ReplicationSource } from '@cellar/plugin-api';
import type { AdminSession } from '../admin-session.js';
import type { DataDirectory } from '../data-directory.js';
import { accountFile, REPL_USER, replicationAccount, unlogged } from './account.js';
import { readRole, roleFile, SEMI_SYNC_TIMEOUT_MS, type ReplicationRole } from './settings.js';
import { positions } from './status.js';

export interface ReplicationHost {
  readonly sql: AdminSession;
  readonly files: DataDirectory;
  readonly guestId: string;
  readonly address: string;
  readonly port: number;
  readonly mountPoint: string;
}

/** Replication is MariaDB's (GTIDs, built-in semi-sync); a MySQL server is refused by name. */
export function checkMariadb(host: ReplicationHost): void {
  const { flavor } = host.files.server();
  if (flavor !== 'mariadb')
    throw new GuestError({
      reason: `replication is implemented for MariaDB servers; this instance runs ${flavor}`,
    });
}

export async function writeRole(host: ReplicationHost, role: ReplicationRole): Promise<void> {
  const { user } = await host.files.spawning();
  await host.files.writeReadOnly(roleFile(host.mountPoint), `${JSON.stringify(role)}\n`, user);
}

/**
 * Semi-synchronous commits on or off. On, the source first commits without a replica while none
 * has connected yet (a replica being seeded would otherwise hold every commit for the whole
 * backup and restore); `armSemiSync` makes it wait for good once one has.
 */
export async function setSemiSync(sql: AdminSession, on: boolean): Promise<void> {
  await sql.query(`SET GLOBAL rpl_semi_sync_master_timeout = ${SEMI_SYNC_TIMEOUT_MS}`);
  await sql.query(`SET GLOBAL rpl_semi_sync_master_wait_no_slave = ${on ? 0 : 1}`);
  await sql.query(`SET GLOBAL rpl_semi_sync_master_enabled = ${on ? 1 : 0}`);
}

/**
 * Once a semi-synchronous replica is connected, commits wait for one even when none is: losing
 * the replica must stop the source's commits, not turn them asynchronous without a word.
 */
export async function armSemiSync(sql: AdminSession): Promise<void> {
  const rows = await sql.query<{ name: string; value: string }>(
    "SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'",
  );
  if (Number(rows[0]?.value ?? 0) > 0)
    await sql.query('SET GLOBAL rpl_semi_sync_master_wait_no_slave = 1');
}

/** How a replica reaches this source, with the positions a returning server is checked against. */
async function sourceContext(
  host: ReplicationHost,
  replicaConfig: Json,
  synchronous: boolean,
): Promise<ReplicationSource> {
  const { user } = await host.files.spawning();
  const account = await replicationAccount(
    host.sql,
    host.files,
    host.mountPoint,
    host.address,
    replicaConfig,
    user,
  );
  const now = await positions(host.sql);
  return {
    sourceId: host.guestId,
    host: host.address,
    port: host.port,
    user: account.user,
    password: account.password,
    synchronous,
    extra: { gtid: now.current, gtid_binlog_state: now.binlogState, gtid_slave_pos: now.slave },
  };
}

/** Before the seeding backup: the account, semi-sync when asked, and the role kept on the volume. */
export async function replicationSnapshot(
  host: ReplicationHost,
  request: { readonly replicaId: string; readonly synchronous: boolean },
  replicaConfig: Json,
): Promise<ReplicationSource> {
  checkMariadb(host);
  const role = await readRole(host.mountPoint);
  if (role?.role === 'replica')
    throw new GuestError({
      reason: `this instance is a replica of ${role.sourceId}: replicas are made from the source`,
    });
  const [logging] = await host.sql.query<{ on: number }>('SELECT @@GLOBAL.log_bin AS `on`');
  if (Number(logging?.on) !== 1)
    throw new GuestError({
      reason:
        'this server runs without binary logs (it was started before Cellar turned them on): restart the instance, then make the replica',
    });
  const known = role?.role === 'source' ? role.replicaIds : [];
  const synchronous = request.synchronous || (role?.role === 'source' && role.synchronous);
  await writeRole(host, {
    role: 'source',
    synchronous,
    replicaIds: [...new Set([...known, request.replicaId])],
  });
  await setSemiSync(host.sql, synchronous);
  return sourceContext(host, replicaConfig, synchronous);
}

/** For re-pointing an existing replica here: the same account, host and positions. */
export async function replicaContext(host: ReplicationHost): Promise<ReplicationSource> {
  checkMariadb(host);
  const role = await readRole(host.mountPoint);
  return sourceContext(host, null, role?.role === 'source' && role.synchronous);
}

/**
 * A newly promoted replica serves replicas, or a source is told which replicas it serves once
 * they stream: its account, semi-sync when asked (waiting for good if one is connected), its role.
 */
export async function enableAsSource(
  host: ReplicationHost,
  config: { readonly replicaIds?: readonly string[]; readonly synchronous?: boolean },
): Promise<void> {
  checkMariadb(host);
  // With no replica to serve, a synchronous source would hold every commit for good.
  const synchronous = config.synchronous === true && (config.replicaIds ?? []).length > 0;
  await writeRole(host, {
    role: 'source',
    synchronous,
    replicaIds: [...(config.replicaIds ?? [])],
  });
  await setSemiSync(host.sql, synchronous);
  if (synchronous) await armSemiSync(host.sql);
  const { user } = await host.files.spawning();
  await replicationAccount(host.sql, host.files, host.mountPoint, host.address, null, user);
}

/** A former source about to follow another: no semi-sync waits, no account for replicas. */
export async function demoteSource(host: ReplicationHost): Promise<void> {
  checkMariadb(host);
  await setSemiSync(host.sql, false);
  await unlogged(host.sql, async (query) => {
    const accounts = await query<{ host: string }>(
      'SELECT Host AS host FROM mysql.user WHERE User = ?',
      [REPL_USER],
    );
    for (const { host: where } of accounts) await query('DROP USER ?@?', [REPL_USER, where]);
  });
  await rm(accountFile(host.mountPoint), { force: true });
  const role = await readRole(host.mountPoint);
  if (role?.role === 'source') await rm(roleFile(host.mountPoint), { force: true });
}
