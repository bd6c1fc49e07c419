// A local Cellar whose backups go to a Swift all-in-one started for the test file (through Swift's
// own API or its s3api middleware): the Swift starts first, since the settings name its address,
// and stops after the file's tests.

import { after } from 'node:test';
import { ensureSwift, startSwiftAio, type SwiftAio } from '@cellar/backup-storage-swift/testing';
import { localCellarOfFile, type LocalCellarOfFile } from './local-cellar.js';
import { noPostgresql } from './local-postgresql.js';

/** Why the file cannot run here (no PostgreSQL, no Swift packages), or false. */
export const noSwiftCellar: string | false = noPostgresql || (ensureSwift() ?? false);

/** The file's local Cellar, with the storage settings `settingsOf` makes from the running Swift. */
export function localCellarOnSwift(
  settingsOf: (swift: SwiftAio) => readonly string[],
): LocalCellarOfFile {
  let aio: Promise<SwiftAio> | undefined;
  after(async () => {
    await (await aio)?.stop();
  });
  return localCellarOfFile(noSwiftCellar, async () => {
    aio = startSwiftAio();
    return [...settingsOf(await aio), 'mysql.usage_timeout=120'];
  });
}
