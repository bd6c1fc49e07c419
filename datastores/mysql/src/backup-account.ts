// The account mariabackup logs in with: os_backup@localhost over the socket, with the privileges a
// backup takes and no more, its password in an option file on the volume that only the OS user reads.

import { generatedPassword } from '@cellar/plugin-api';
import type { OsUser } from '@cellar/plugin-api/processes';
import type { AdminSession } from './admin-session.js';
import { BACKUP_USER } from './config.js';
import type { DataDirectory } from './data-directory.js';

const HOST = 'localhost';
/**
 * RELOAD and PROCESS for BACKUP STAGE and the server's state; BINLOG MONITOR for SHOW MASTER
 * STATUS, which mariabackup runs once log-bin is on: granted always, since replication or a
 * configuration may turn log-bin on after the account was made.
 */
export const BACKUP_PRIVILEGES = ['RELOAD', 'PROCESS', 'BINLOG MONITOR'] as const;

/** mariabackup's option file: the account, and the socket it reaches the server through. */
export function renderBackupCnf(password: string, socket: string): string {
  return `[mariabackup]\nuser = ${BACKUP_USER}\npassword = ${password}\nsocket = ${socket}\n`;
}

/**
 * Makes the backup account anew with a new password, then its option file. Made again on every
 * prepare: a restored data directory has the source's account, with the source's password.
 */
export async function setUpBackupAccount(
  sql: AdminSession,
  files: DataDirectory,
  user: OsUser | undefined,
): Promise<void> {
  const password = generatedPassword(32);
  await sql.query('DROP USER IF EXISTS ?@?', [BACKUP_USER, HOST]);
  await sql.query('CREATE USER ?@? IDENTIFIED BY ?', [BACKUP_USER, HOST, password]);
  await sql.query(`GRANT ${BACKUP_PRIVILEGES.join(', ')} ON *.* TO ?@?`, [BACKUP_USER, HOST]);
  await files.writeReadOnly(files.backupCnf, renderBackupCnf(password, files.socket), user);
}
