// redis.conf as the guest writes it: the instance's address and port, a private unix socket for
// the guest's own session, memory from the flavor, the persistence chosen, users in the ACL file.

/** Redis's own default save points, which Trove's configuration template kept. */
const SAVE_POINTS = '3600 1 300 100 60 10000';

export type Persistence = 'rdb' | 'aof' | 'none';

export interface RedisConfInput {
  readonly address: string;
  readonly port: number;
  readonly socket: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly dataDir: string;
  readonly aclFile: string;
  readonly memoryMb: number;
  readonly maxmemoryRatio: number;
  readonly maxmemoryPolicy: string;
  readonly persistence: string;
}

/** A value as redis.conf reads it: in double quotes, with quotes and backslashes escaped. */
export function quoted(value: string): string {
  if (/[\p{Cc}]/u.test(value)) throw new TypeError(`'${value}' holds a control character`);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** The data Redis may hold: the flavor's RAM times the ratio, leaving room for a save's fork. */
export function maxmemoryMb(memoryMb: number, ratio: number): number {
  return Math.max(1, Math.floor(memoryMb * ratio));
}

function persistenceLines(persistence: string): string[] {
  switch (persistence) {
    case 'none':
      return ['save ""', 'appendonly no'];
    case 'aof':
      return [`save ${SAVE_POINTS}`, 'appendonly yes', 'appendfsync everysec'];
    default:
      return [`save ${SAVE_POINTS}`, 'appendonly no'];
  }
}

/**
 * No requirepass: with an ACL file Redis ignores it, and the default user (root, with its
 * password as a SHA-256 hash) is defined there instead.
 */
export function renderRedisConf(c: RedisConfInput): string {
  return [
    '# Written by the Cellar guest agent at every prepare and start; changes here are lost.',
    `bind ${c.address}`,
    `port ${c.port}`,
    'protected-mode yes',
    `unixsocket ${quoted(c.socket)}`,
    'unixsocketperm 700',
    // ps then names the instance's file, which tells its server from every other instance's.
    'proc-title-template "{title} {listen-addr} {config-file}"',
    'daemonize no',
    'supervised no',
    `pidfile ${quoted(c.pidFile)}`,
    `logfile ${quoted(c.logFile)}`,
    'always-show-logo no',
    `dir ${quoted(c.dataDir)}`,
    'dbfilename dump.rdb',
    'appenddirname appendonlydir',
    ...persistenceLines(c.persistence),
    // Backups are replication's SYNC to redis-cli: sent from the fork straight to the socket
    // (no RDB staged on the volume), at once instead of after 5 s waiting for more replicas.
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    `maxmemory ${maxmemoryMb(c.memoryMb, c.maxmemoryRatio)}mb`,
    `maxmemory-policy ${c.maxmemoryPolicy}`,
    `aclfile ${quoted(c.aclFile)}`,
    'enable-debug-command no',
    'enable-module-command no',
    'enable-protected-configs no',
    '',
  ].join('\n');
}
