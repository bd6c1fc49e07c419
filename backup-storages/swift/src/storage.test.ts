// The Swift storage on one Swift all-in-one for the whole file: the conformance suite in Trove's
// layout (each project's own account) through tempauth, then Keystone v3 with a container per project.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';
import { BackupObjectNotFound, BackupStorageRefused } from '@cellar/plugin-api';
import { runBackupStorageConformance } from '@cellar/plugin-api/testing/backup-storage';
import driver from './storage.js';
import { startFakeKeystone, type FakeKeystone } from './testing/fake-keystone.js';
import { SwiftAdmin } from './testing/swift-admin.js';
import { startSwiftAio, ensureSwift, type SwiftAio } from './testing/swift-aio.js';

const skip = ensureSwift() ?? false;
const partSize = 5 * 1024 * 1024;
const password = `pw-${randomBytes(9).toString('hex')}`;
let aio: SwiftAio | undefined;
let keystone: FakeKeystone | undefined;

before(async () => {
  if (skip) return;
  aio = await startSwiftAio();
  keystone = await startFakeKeystone({
    user: 'cellar',
    password,
    swiftAuthUrl: aio.authUrl,
    swiftAccount: aio.tester,
  });
});
after(async () => {
  await keystone?.close();
  await aio?.stop();
});

function optionsFor(swift: SwiftAio, key: string) {
  return {
    ...driver.options.server.options,
    auth_url: swift.authUrl,
    auth_version: '1.0',
    user: `${swift.admin.account}:${swift.admin.user}`,
    key,
    project_name: '',
    user_domain_name: 'Default',
    project_domain_name: 'Default',
    region_name: '',
    endpoint_type: 'public',
    container: 'database_backups',
    project_layout: 'account',
    reseller_prefix: 'AUTH_',
    segment_size: partSize,
    timeout: 30,
  };
}

runBackupStorageConformance({
  name: 'swift',
  skip,
  harness: async () => {
    const swift = aio as SwiftAio;
    const admin = new SwiftAdmin(swift.authUrl, swift.admin);
    const wrongKey = `wrong-${randomBytes(9).toString('hex')}`;
    const accountUrl = (project: string): string => `${swift.endpoint}/v1/AUTH_${project}`;
    return {
      storage: await driver.open(optionsFor(swift, swift.admin.key)),
      partSize,
      secrets: [swift.admin.key, wrongKey],
      openRefused: () => driver.open(optionsFor(swift, wrongKey)),
      corrupt: (location) => admin.flipByte(location),
      leftovers: async (project) => [
        ...(await admin.names(`${accountUrl(project)}/database_backups`)),
        ...(await admin.names(`${accountUrl(project)}/database_backups_segments`)),
      ],
      dispose: async () => {},
    };
  },
});

const valuesFor = (key: string) => ({
  auth_url: (keystone as FakeKeystone).authUrl,
  auth_version: '3',
  user: 'cellar',
  key,
  project_name: 'service',
  user_domain_name: 'Default',
  project_domain_name: 'Default',
  region_name: 'RegionOne',
  endpoint_type: 'public',
  container: 'database_backups',
  project_layout: 'container',
  reseller_prefix: 'AUTH_',
  segment_size: 5 * 1024 * 1024,
  timeout: 30,
});

test(
  'Keystone v3: objects go to <container>_<project> in the account of the catalog endpoint',
  { skip },
  async () => {
    const swift = aio as SwiftAio;
    const storage = await driver.open(valuesFor(password));
    const stored = await storage.put(Readable.from([Buffer.from('a backup')]), {
      project: 'p42',
      key: 'b1.gz',
    });
    assert.equal(stored.location, `${swift.endpoint}/v1/AUTH_test/database_backups_p42/b1.gz`);
    const names = await new SwiftAdmin(swift.authUrl, swift.tester).names(
      `${swift.endpoint}/v1/AUTH_test/database_backups_p42`,
    );
    assert.deepEqual(names, ['b1.gz']);
    assert.deepEqual(await storage.list('p42'), [
      { location: stored.location, key: 'b1.gz', size: 8 },
    ]);
    await storage.delete(stored.location);
    await assert.rejects(storage.get(stored.location), BackupObjectNotFound);
  },
);

test(
  'Keystone v3: a wrong password is refused, typed, without the password anywhere',
  { skip },
  async () => {
    const wrong = `wrong-${randomBytes(9).toString('hex')}`;
    const storage = await driver.open(valuesFor(wrong));
    await assert.rejects(storage.list('p42'), (error: unknown) => {
      assert.ok(error instanceof BackupStorageRefused, inspect(error));
      assert.match(error.message, /swift backup storage refused to authenticate/);
      const shown = `${error.message}${inspect(error, { depth: 5 })}${inspect(storage)}`;
      assert.ok(!shown.includes(wrong) && !shown.includes(password));
      return true;
    });
  },
);

test('a location on another host is refused before any token is sent there', { skip }, async () => {
  const storage = await driver.open(valuesFor(password));
  await assert.rejects(
    storage.get('http://198.51.100.7:8080/v1/AUTH_test/c/o'),
    /not an object of the Swift at/,
  );
});

test(
  'purge removes the segments an upload cut off before its manifest left, and nothing of another key',
  { skip },
  async () => {
    const swift = aio as SwiftAio;
    const admin = new SwiftAdmin(swift.authUrl, swift.admin);
    const account = `${swift.endpoint}/v1/AUTH_p7`;
    for (const container of ['database_backups', 'database_backups_segments'])
      assert.equal((await admin.request('PUT', `${account}/${container}`)).status < 300, true);
    const put = async (path: string): Promise<void> => {
      const answer = await admin.request('PUT', `${account}/${path}`, Buffer.from('part'));
      assert.equal(answer.status, 201, path);
    };
    await put('database_backups_segments/i1/b1/1-u/00000000');
    await put('database_backups_segments/i1/b1/1-u/00000001');
    await put('database_backups_segments/i1/b2/1-u/00000000');
    await put('database_backups/i1/b2');
    const storage = await driver.open(optionsFor(swift, swift.admin.key));
    assert.deepEqual(await storage.list('p7', 'i1/b1'), [], 'list() does not show segments');
    await storage.purge?.('p7', 'i1/b1');
    assert.deepEqual(await admin.names(`${account}/database_backups_segments`), [
      'i1/b2/1-u/00000000',
    ]);
    assert.deepEqual(await admin.names(`${account}/database_backups`), ['i1/b2']);
  },
);
