// The files Cellar writes into the data directory: cellar.conf (included from postgresql.conf)
// with the listen, socket, memory and logging settings, and pg_hba.conf from the allowed CIDRs.

import { isIPv4, isIPv6 } from 'node:net';
import { ALLOW_ALL_CIDRS, BadRequest } from '@cellar/plugin-api';
import { walSettingLines, type WalSettings } from './wal-archive.js';

/** The role initdb creates as bootstrap superuser; the guest's own, over the private socket only. */
export const ADMIN_USER = 'os_admin';
export const CELLAR_CONF = 'cellar.conf';
export const INCLUDE_LINE = `include_if_exists = '${CELLAR_CONF}'`;
/** The role replicas connect as (replication/): streaming, and pg_rewind's reads of the source. */
export const REPLICATION_USER = 'cellar_replicator';
/** Replication's settings (replication/settings.ts), included last from cellar.conf. */
export const REPLICATION_CONF = 'cellar-replication.conf';

export interface MemorySettings {
  readonly maxConnections: number;
  readonly sharedBuffersMb: number;
  readonly effectiveCacheSizeMb: number;
  readonly workMemKb: number;
  readonly maintenanceWorkMemMb: number;
}

const clamp = (n: number, low: number, high: number): number => Math.min(high, Math.max(low, n));

/**
 * Memory settings for a flavor's RAM, the usual rules of thumb: a quarter of it as shared
 * buffers, three quarters assumed cached, 50 connections per 512 MB (100 at least, 1000 at
 * most), and what remains shared by three sorts per connection.
 */
export function memorySettings(memoryMb: number): MemorySettings {
  if (!Number.isFinite(memoryMb) || memoryMb <= 0)
    throw new BadRequest({
      reason: `The flavor's RAM must be a positive number of MB, not ${memoryMb}.`,
    });
  const sharedBuffersMb = Math.max(16, Math.floor(memoryMb / 4));
  const maxConnections = clamp(Math.round((memoryMb / 512) * 50), 100, 1000);
  const rest = Math.max(0, memoryMb - sharedBuffersMb);
  return {
    maxConnections,
    sharedBuffersMb,
    effectiveCacheSizeMb: Math.max(32, Math.floor((memoryMb * 3) / 4)),
    workMemKb: Math.max(1024, Math.floor((rest * 1024) / (maxConnections * 3))),
    maintenanceWorkMemMb: clamp(Math.floor(memoryMb / 16), 16, 2048),
  };
}

/**
 * A string in postgresql.conf's syntax. The file's parser reads backslash escapes inside quotes,
 * so backslashes are doubled as well as quotes; a line break cannot be written at all.
 */
export function confString(value: string): string {
  if (/[\0\r\n]/.test(value))
    throw new BadRequest({
      reason: `A configuration value must be one line: ${JSON.stringify(value)}`,
    });
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

export interface ServerSettings {
  readonly address: string;
  readonly port: number;
  readonly socketDir: string;
  readonly memoryMb: number;
  /** The WAL archive for backups; absent, the server keeps initdb's (no archiving). */
  readonly wal?: WalSettings;
}

/** cellar.conf: read last, so it wins over initdb's postgresql.conf. */
export function renderCellarConf(s: ServerSettings): string {
  if (/[,"]/.test(s.socketDir))
    throw new BadRequest({
      reason: `The socket directory ${s.socketDir} must not contain commas or double quotes.`,
    });
  const m = memorySettings(s.memoryMb);
  const lines = [
    '# Written by the Cellar guest agent at prepare; changes here are overwritten.',
    `listen_addresses = ${confString(s.address)}`,
    `port = ${s.port}`,
    `unix_socket_directories = ${confString(s.socketDir)}`,
    'unix_socket_permissions = 0700',
    `max_connections = ${m.maxConnections}`,
    `shared_buffers = ${m.sharedBuffersMb}MB`,
    `effective_cache_size = ${m.effectiveCacheSizeMb}MB`,
    `work_mem = ${m.workMemKb}kB`,
    `maintenance_work_mem = ${m.maintenanceWorkMemMb}MB`,
    "password_encryption = 'scram-sha-256'",
    // The server's stderr is appended to the guest's log file; no collector process of its own.
    "log_destination = 'stderr'",
    'logging_collector = off',
    "log_line_prefix = '%m [%p] %q%u@%d '",
    // Tenants' statements (and the passwords in them) stay out of the log on the shared disk;
    // The slow_query log sets it again in cellar-logs.conf once a user enables it (logs.ts).
    'log_min_duration_statement = -1',
    ...(s.wal === undefined ? [] : walSettingLines(s.wal, confString)),
    // pg_rewind needs it to bring a former source back as a replica of the one promoted after it.
    'wal_log_hints = on',
    `include_if_exists = ${confString(REPLICATION_CONF)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Checks an `address/prefix` CIDR and answers it as pg_hba.conf takes it. */
export function checkCidr(cidr: string): string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const address = match?.[1] ?? '';
  const prefix = Number(match?.[2]);
  const ok =
    match !== null &&
    ((isIPv4(address) && prefix <= 32) ||
      (isIPv6(address) && !address.includes('%') && prefix <= 128));
  if (!ok)
    throw new BadRequest({
      reason: `'${cidr}' is not a CIDR such as 10.0.0.0/24 or 2001:db8::/64.`,
    });
  return `${address}/${prefix}`;
}

/**
 * pg_hba.conf. The guest's own superuser needs no password: it connects only through the socket,
 * whose directory only the guest's OS user can enter. Everyone else authenticates with SCRAM,
 * over TCP only from the allowed CIDRs (everywhere when there are none), and the guest's role
 * never over TCP.
 */
export function renderHba(allowedCidrs: readonly string[]): string {
  const cidrs = allowedCidrs.length === 0 ? ALLOW_ALL_CIDRS : allowedCidrs.map(checkCidr);
  const lines = [
    '# Written by the Cellar guest agent; apply_access rewrites it.',
    '# TYPE  DATABASE  USER  ADDRESS  METHOD',
    `local   all       ${ADMIN_USER}  trust`,
    // pg_basebackup's replication connection, as the same role over the same socket.
    `local   replication  ${ADMIN_USER}  trust`,
    'local   all       all  scram-sha-256',
    `host    all       ${ADMIN_USER}  all  reject`,
    ...cidrs.map((cidr) => `host    all       all  ${cidr}  scram-sha-256`),
    // Replicas stream from wherever the control plane put them; the role's password is generated.
    `host    replication  ${REPLICATION_USER}  all  scram-sha-256`,
    `host    postgres  ${REPLICATION_USER}  all  scram-sha-256`,
  ];
  return `${lines.join('\n')}\n`;
}
