// The define helpers refuse a malformed entry when the plugin's module is imported, naming the
// datastore and what was expected, so the host reports the plugin rather than failing later.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defineDatastoreGuest,
  defineDatastoreServer,
  type DatastoreGuest,
  type DatastoreServer,
} from './define.js';
import { BaseDatastoreManager } from './manager/base-datastore-manager.js';
import type { ServiceStatus } from './manager/guest-types.js';

class Minimal extends BaseDatastoreManager {
  async prepare(): Promise<void> {}
  async restart(): Promise<void> {}
  async stopDb(): Promise<void> {}
  async getServiceStatus(): Promise<ServiceStatus> {
    return 'healthy';
  }
}

test('a guest entry takes an optional standby function, and refuses anything else there', () => {
  assert.equal(defineDatastoreGuest({ name: 'mini', manager: Minimal }).standby, undefined);
  const standby = async (): Promise<void> => {};
  assert.equal(defineDatastoreGuest({ name: 'mini', manager: Minimal, standby }).standby, standby);
  assert.throws(
    () =>
      defineDatastoreGuest({
        name: 'mini',
        manager: Minimal,
        standby: 'initdb',
      } as unknown as DatastoreGuest<never>),
    /datastore 'mini': standby must be a function taking a StandbyContext/,
  );
  assert.throws(
    () => defineDatastoreGuest({ name: 'mini', manager: {} } as unknown as DatastoreGuest<never>),
    /manager must be a class extending BaseDatastoreManager/,
  );
});

test('a server entry takes an optional pointInTime hook of two functions, and refuses a partial one', () => {
  const versions = async () => [];
  const pointInTime = {
    objectPrefix: (id: string) => `wal/${id}/`,
    window: () => ({ spans: [], gaps: [] }),
  };
  const plain: DatastoreServer = defineDatastoreServer({ name: 'mini', versions });
  assert.equal(plain.pointInTime, undefined);
  assert.equal(
    defineDatastoreServer({ name: 'mini', versions, pointInTime }).pointInTime,
    pointInTime,
  );
  assert.throws(
    () =>
      defineDatastoreServer({
        name: 'mini',
        versions,
        pointInTime: { objectPrefix: pointInTime.objectPrefix },
      } as unknown as DatastoreServer),
    /datastore 'mini': pointInTime must have the functions objectPrefix and window/,
  );
});
