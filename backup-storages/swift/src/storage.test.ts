// The Swift storage against the backup storage conformance suite, on a Swift all-in-one started
// once for this file, in Trove's layout (each project's own account) through tempauth.

import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { runBackupStorageConformance } from '@cellar/plugin-api/testing/backup-storage';
import driver from './storage.js';
import { SwiftAdmin } from './testing/swift-admin.js';
import { startSwiftAio, swiftUnavailable, type SwiftAio } from './testing/swift-aio.js';

const skip = swiftUnavailable() ?? false;
const partSize = 5 * 1024 * 1024;
let aio: SwiftAio | undefined;

before(async () => {
  if (!skip) aio = await startSwiftAio();
});
after(async () => {
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
