// The OS users a database server runs as: system users without a login or a home, each with a
// group of its own, made by useradd (run as root) and read back for their ids.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { OsUser } from './run-as.js';

const run = promisify(execFile);

/** A system user as it was made: its name and ids. */
export interface SystemUser extends OsUser {
  readonly name: string;
}

/** Makes the system user `name` (no login, no home, a group of its own); needs root. */
export async function createSystemUser(name: string): Promise<SystemUser> {
  await run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { name, uid: Number(uid.stdout), gid: Number(gid.stdout) };
}
