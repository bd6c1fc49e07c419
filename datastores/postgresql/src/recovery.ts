// The recovery settings a restored data directory starts with (restore_command reading the WAL
// the restore laid out, a target time for point-in-time recovery, promotion at the end), and
// their removal once the server has promoted.

import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequest } from '@cellar/plugin-api';
import { writeOwned, type OsUser } from '@cellar/plugin-api/processes';
import { confString } from './config.js';
import { RECOVERY_CONF, restoreCommand } from './wal-archive.js';

/** A restore time as PostgreSQL reads recovery_target_time, microseconds kept. */
export function recoveryTargetTime(restoreTime: string): string {
  const iso = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d(:?\d\d)?)$/i.exec(
    restoreTime,
  );
  if (iso === null || !Number.isFinite(Date.parse(restoreTime.replace(' ', 'T'))))
    throw new BadRequest({
      reason: `'${restoreTime}' is not an ISO-8601 time with a time zone, such as 2026-11-30T13:48:29.042Z.`,
    });
  return restoreTime.replace(/t/i, ' ').replace(/z$/i, '+00');
}

/** cellar-recovery.conf, included from cellar.conf, and recovery.signal. */
export async function writeRecoverySettings(
  dataDir: string,
  walDir: string,
  restoreTime: string | undefined,
  user: OsUser | undefined,
): Promise<void> {
  const lines = [
    '# Written by the Cellar guest agent for a restore; removed once the server has promoted.',
    `restore_command = ${confString(restoreCommand(walDir))}`,
    "recovery_target_timeline = 'current'",
    "recovery_target_action = 'promote'",
    ...(restoreTime === undefined
      ? []
      : [`recovery_target_time = ${confString(recoveryTargetTime(restoreTime))}`]),
  ];
  await writeOwned(join(dataDir, RECOVERY_CONF), `${lines.join('\n')}\n`, user);
  await writeOwned(join(dataDir, 'recovery.signal'), '', user);
}

/** Whether the data directory still carries a restore's recovery settings. */
export function recoveryPending(dataDir: string): Promise<boolean> {
  return access(join(dataDir, RECOVERY_CONF)).then(
    () => true,
    () => false,
  );
}

/** After promotion: the settings and the WAL the restore laid out go; the server rereads its files. */
export async function removeRecoverySettings(dataDir: string, walDir: string): Promise<void> {
  await rm(join(dataDir, RECOVERY_CONF), { force: true });
  await rm(walDir, { recursive: true, force: true });
}
