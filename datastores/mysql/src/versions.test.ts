// The version catalog: what `--version` says becomes a flavor and a major.minor, one entry per
// binary, and a host without a server is told which Debian package to install.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import server from './server.js';
import { installedVersions, parseVersion, whyUnavailable } from './versions.js';

test('parseVersion tells MariaDB, MySQL and Percona Server apart', () => {
  assert.deepEqual(
    parseVersion(
      '/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64',
    ),
    { flavor: 'mariadb', name: '10.11' },
  );
  assert.deepEqual(
    parseVersion('/usr/sbin/mysqld  Ver 8.0.40 for Linux on x86_64 (MySQL Community Server - GPL)'),
    {
      flavor: 'mysql',
      name: '8.0',
    },
  );
  assert.deepEqual(
    parseVersion(
      '/usr/sbin/mysqld  Ver 8.0.36-28 for Linux on x86_64 (Percona Server (GPL), Release 28)',
    ),
    { flavor: 'percona', name: '8.0' },
  );
  assert.equal(parseVersion('something else'), undefined);
});

test('a host without a server offers no version and names the Debian package to install', async () => {
  const nowhere = ['/nonexistent/mariadbd', '/nonexistent/mysqld'];
  assert.deepEqual(installedVersions(nowhere), []);
  assert.match(whyUnavailable(nowhere) ?? '', /install Debian's mariadb-server/);
});

test(
  'the catalog lists the installed server once, even where mysqld links to mariadbd',
  { skip: existsSync('/usr/sbin/mariadbd') ? false : 'MariaDB is not installed' },
  async () => {
    const versions = await server.versions();
    assert.equal(versions.length, 1);
    assert.match(versions[0]?.name ?? '', /^\d+\.\d+$/);
    assert.equal(versions[0]?.location, '/usr/sbin');
    // Asked only when no version is found; what it would say names the package.
    assert.equal((await server.unavailable()).debianPackage, 'mariadb-server');
  },
);
