// Every migration of the control database, in order. Names never change once released.

import type { Migration } from 'kysely';
import { initial } from './0001-initial.js';
import { flavors } from './0002-flavors.js';
import { operationSecrets } from './0004-operation-secrets.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-flavors': flavors,
  '0004-operation-secrets': operationSecrets,
};
