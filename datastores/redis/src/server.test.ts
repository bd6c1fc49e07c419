import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { installedVersions, REDIS_SERVER, unavailable } from './server.js';

test('a host without redis-server offers no version and says which Debian package provides it', async () => {
  assert.deepEqual(await installedVersions('/nonexistent/redis-server'), []);
  assert.deepEqual(await unavailable('/nonexistent/redis-server'), {
    reason: 'no /nonexistent/redis-server on this host',
    debianPackage: 'redis-server',
  });
});

test(
  "the version offered is the installed redis-server's major.minor",
  {
    skip: existsSync(REDIS_SERVER) ? false : `no ${REDIS_SERVER} here`,
  },
  async () => {
    const [version, ...more] = await installedVersions();
    assert.deepEqual(more, []);
    assert.match(version?.name ?? '', /^\d+\.\d+$/);
    assert.equal(version?.location, '/usr/bin');
  },
);
