// The account replicas log in to their source with: os_repl, REPLICATION SLAVE only, a generated
// password kept on the source's volume, reachable from the replicas' network and nowhere else.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { BadRequest, generatedPassword, parseCidr, type Json } from '@cellar/plugin-api';
import type { AdminSession, Row } from '../admin-session.js';
import type { DataDirectory } from '../data-directory.js';
import type { OsUser } from '@cellar/plugin-api/processes';

export const REPL_USER = 'os_repl';

export interface ReplicationAccount {
  readonly user: string;
  readonly password: string;
  readonly host: string;
}

export const accountFile = (mountPoint: string): string => join(mountPoint, 'cellar-repl.json');

/** A CIDR as MariaDB's account hosts write a network: `address/netmask` (IPv4 only). */
function networkHost(cidr: string): string {
  const parsed = parseCidr(cidr);
  if (parsed?.family !== 'ipv4')
    throw new BadRequest({
      reason: `replica_network '${cidr}' is not an IPv4 CIDR such as 10.0.0.0/24`,
    });
  const mask = parsed.prefix === 0 ? 0 : (0xffffffff << (32 - parsed.prefix)) >>> 0;
  const octets = (n: number): string =>
    [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');
  const address = parsed.address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  return `${octets((address & mask) >>> 0)}/${octets(mask)}`;
}

/**
 * Where replicas connect from: `replica_network` (a CIDR) when the control plane names it; else
 * the source's own /24, as replicas sit on their source's network. On loopback (the local compute
 * driver) every connection comes from 127.0.0.1, whatever address it goes to.
 */
export function replicaHost(address: string, config: Json): string {
  const network = configuredNetwork(config);
  if (network !== undefined) return networkHost(network);
  if (address.startsWith('127.')) return '127.0.0.1';
  if (isIP(address) === 4) return networkHost(`${address}/24`);
  return '%';
}

function configuredNetwork(config: Json): string | undefined {
  const network = (config as { replica_network?: unknown } | null)?.replica_network;
  return typeof network === 'string' ? network : undefined;
}

/**
 * Makes the account (again): for the network `config` names, else where it was, else the
 * source's network (replicaHost); keeping the password it had so replicas already following
 * stay connected. Not binary-logged: each source has its own, and a replica's copy from its seeding
 * backup is made anew when it is promoted.
 */
export async function replicationAccount(
  sql: AdminSession,
  files: DataDirectory,
  mountPoint: string,
  address: string,
  config: Json,
  user: OsUser | undefined,
): Promise<ReplicationAccount> {
  const path = accountFile(mountPoint);
  const kept = existsSync(path)
    ? (JSON.parse(await readFile(path, 'utf8')) as Partial<ReplicationAccount>)
    : {};
  const host =
    configuredNetwork(config) === undefined && kept.host !== undefined
      ? kept.host
      : replicaHost(address, config);
  const password = kept.password ?? generatedPassword(32);
  const account = { user: REPL_USER, password, host };
  await unlogged(sql, async (query) => {
    const old = await query<{ host: string }>(
      'SELECT Host AS host FROM mysql.user WHERE User = ?',
      [REPL_USER],
    );
    for (const { host: other } of old)
      if (other !== host) await query('DROP USER ?@?', [REPL_USER, other]);
    await query('CREATE OR REPLACE USER ?@? IDENTIFIED BY ?', [REPL_USER, host, password]);
    await query('GRANT REPLICATION SLAVE ON *.* TO ?@?', [REPL_USER, host]);
  });
  await files.writeReadOnly(path, `${JSON.stringify(account)}\n`, user);
  return account;
}

export type Query = <R extends Row = Row>(
  text: string,
  values?: readonly unknown[],
) => Promise<R[]>;

/**
 * Runs statements on a connection of their own that writes nothing to the binary log: what the
 * guest does for itself on one instance (accounts, a replica's set-up) never becomes a transaction
 * with this server's id, which replicas would replay and which strict GTID mode would refuse.
 */
export async function unlogged<T>(
  sql: AdminSession,
  work: (query: Query) => Promise<T>,
): Promise<T> {
  const connection = await sql.connect();
  try {
    await connection.query('SET SESSION sql_log_bin = 0');
    return await work(
      async <R extends Row = Row>(text: string, values: readonly unknown[] = []) => {
        const [rows] = await connection.query(text, [...values] as (string | number | null)[]);
        return (Array.isArray(rows) ? rows : []) as R[];
      },
    );
  } finally {
    await connection.end().catch(() => undefined);
  }
}
