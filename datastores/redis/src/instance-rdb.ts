// The instance's RDB as this package's backup and restore strategies reach it through the
// manager: the backup account over the private socket, the server's facts, the restore's target.

import type { Readable } from 'node:stream';
import { GuestError } from '@cellar/plugin-api';
import type { AdminSession } from './admin-session.js';
import { BACKUP_RULES, BACKUP_USER } from './acl-file.js';
import { sha256, type InstanceFiles } from './instance-files.js';
import type { DumpAccess } from './rdb-dump.js';
import type { RdbFacts } from './rdb-format.js';
import { placeRestoredRdb } from './restored-data.js';
import type { ServerProcess } from './server-process.js';

/** What the server says of itself when a backup begins. */
export interface ServerFacts {
  readonly redisVersion: string;
  /** Keys in every database just before the snapshot (writes meanwhile may change it a little). */
  readonly keys: number;
}

/** `INFO` fields by name. */
export function infoFields(text: string): Map<string, string> {
  return new Map(
    text.split(/\r?\n/).flatMap((l) => {
      const at = l.indexOf(':');
      return at > 0 && !l.startsWith('#') ? [[l.slice(0, at), l.slice(at + 1)] as const] : [];
    }),
  );
}

export class InstanceRdb {
  constructor(
    private readonly files: InstanceFiles,
    private readonly admin: AdminSession,
    private readonly server: ServerProcess,
  ) {}

  /**
   * The backup account, put on the running server as the ACL file has it: a server started
   * before the account existed (an instance older than backups) learns it here.
   */
  async dumpAccess(): Promise<DumpAccess> {
    if (this.server.running() === undefined)
      throw new GuestError({ reason: 'Redis is not running: a backup needs the server up.' });
    const password = await this.files.backupPassword();
    const rules = BACKUP_RULES.split(' ');
    await this.admin.call(
      'ACL',
      'SETUSER',
      BACKUP_USER,
      'reset',
      'on',
      `#${sha256(password)}`,
      ...rules,
    );
    const spawning = await this.files.spawning();
    return { socket: this.files.socket, user: BACKUP_USER, password, spawning };
  }

  async serverFacts(): Promise<ServerFacts> {
    const info = infoFields(String(await this.admin.call('INFO', 'server', 'keyspace')));
    let keys = 0;
    for (const [name, value] of info)
      if (/^db\d+$/.test(name)) keys += Number(/keys=(\d+)/.exec(value)?.[1] ?? 0);
    return { redisVersion: info.get('redis_version') ?? 'unknown', keys };
  }

  /** Puts a full backup's RDB in place for the next start; the server must be stopped. */
  async place(source: Readable, signal: AbortSignal): Promise<RdbFacts & { keys?: number }> {
    if (this.server.running() !== undefined)
      throw new GuestError({ reason: 'Redis is running: a restore needs the server stopped.' });
    return placeRestoredRdb(this.files, await this.files.spawning(), source, signal);
  }
}
