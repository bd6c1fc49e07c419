// The datastores of the in-process backup plane (backup-plane.ts): PostgreSQL and MySQL take
// backups, Redis has its backup_strategy emptied, memcached declares none.

import type { PointInTimeRecovery } from '@cellar/plugin-api';
import type { DatastorePolicy } from '../instances/deps.js';

export const planePolicies = new Map<string, DatastorePolicy>([
  [
    'postgresql',
    {
      capabilities: ['backup', 'restore', 'databases', 'users', 'root'],
      backupStrategy: 'pg_basebackup',
      rootOnCreate: true,
      passwordLength: 20,
      volumeSupport: true,
      tcpPorts: [],
      udpPorts: [],
      usageTimeout: 10,
    },
  ],
  [
    'mysql',
    {
      capabilities: ['backup', 'restore'],
      backupStrategy: 'mariabackup',
      rootOnCreate: false,
      passwordLength: 20,
      volumeSupport: true,
      tcpPorts: [],
      udpPorts: [],
      usageTimeout: 10,
    },
  ],
  [
    // Declares backups but its backup_strategy option was emptied: backups are off.
    'redis',
    {
      capabilities: ['backup', 'restore'],
      rootOnCreate: false,
      passwordLength: 20,
      volumeSupport: false,
      tcpPorts: [],
      udpPorts: [],
      usageTimeout: 10,
    },
  ],
  [
    'memcached',
    {
      capabilities: [],
      rootOnCreate: false,
      passwordLength: 20,
      volumeSupport: false,
      tcpPorts: [],
      udpPorts: [],
      usageTimeout: 10,
    },
  ],
]);

/** The plane's datastores, PostgreSQL with point-in-time recovery when it is given. */
export function withPointInTime(pointInTime: PointInTimeRecovery | undefined) {
  const postgresql = planePolicies.get('postgresql');
  if (!pointInTime || !postgresql) return planePolicies;
  return new Map([...planePolicies, ['postgresql', { ...postgresql, pointInTime }]]);
}
