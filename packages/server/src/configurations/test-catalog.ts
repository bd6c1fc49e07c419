// A small parameter catalog for the control plane's own tests of configuration groups: PostgreSQL
// 15 with static and dynamic, memory-like, enum and boolean parameters; MySQL without any.

import type { ConfigurationParameter, DatastoreConfiguration } from '@cellar/plugin-api';
import type { DatastorePolicy } from '../instances/deps.js';
import { planePolicies } from '../testing/backup-policies.js';

export const testParameters: readonly ConfigurationParameter[] = [
  { name: 'max_connections', type: 'integer', min: 1, max: 262143, restartRequired: true },
  {
    name: 'shared_buffers',
    type: 'integer',
    min: 16,
    max: 1073741823,
    unit: '8kB',
    restartRequired: true,
    bytesPerUnit: 8192,
  },
  {
    name: 'work_mem',
    type: 'integer',
    min: 64,
    max: 2147483647,
    unit: 'kB',
    restartRequired: false,
    bytesPerUnit: 1024,
  },
  { name: 'application_name', type: 'string', restartRequired: false },
  {
    name: 'log_min_messages',
    type: 'string',
    choices: ['debug1', 'info', 'notice', 'warning', 'error', 'log', 'fatal', 'panic'],
    restartRequired: false,
  },
  { name: 'jit', type: 'boolean', restartRequired: false },
  { name: 'random_page_cost', type: 'float', min: 0, max: 1.79769e308, restartRequired: false },
];

/** Version 15 has the catalog; any other version has none. */
export const testConfiguration: DatastoreConfiguration = {
  parameters: (version) => (version === '15' ? testParameters : undefined),
};

/** The backup plane's datastores with PostgreSQL configurable. */
export function configurablePolicies(): ReadonlyMap<string, DatastorePolicy> {
  const postgresql = planePolicies.get('postgresql');
  if (!postgresql) throw new Error('the plane has no postgresql');
  return new Map([
    ...planePolicies,
    [
      'postgresql',
      {
        ...postgresql,
        capabilities: [...postgresql.capabilities, 'configuration'],
        configuration: testConfiguration,
      },
    ],
  ]);
}
