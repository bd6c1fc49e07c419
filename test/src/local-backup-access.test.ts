// Backups in the local storage between real instances of one project on the local compute
// driver as root: the second instance's OS user reads what the first's wrote, and once the
// first is deleted no ACL entry names its uid (the next user given that uid reaches nothing).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  asStorageUser,
  storageScripts,
  storageUnreachable,
  type Json,
} from '@cellar/server/testing';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';

const exec = promisify(execFile);
const skip =
  noPostgresql ||
  (process.getuid?.() === 0
    ? storageUnreachable()
    : 'instances have OS users of their own, and ACLs on their backups, only when Cellar runs as root') ||
  (existsSync('/usr/bin/redis-server')
    ? false
    : 'Redis is not installed (Debian packages redis-server and redis-tools)');
// The storage's directory is the test's own: set before start, as `state` is not known yet.
const storagePath = `/tmp/cellar-backup-access-${process.pid}`;
const local = localCellarOfFile(skip, [`backup_storage_local.path=${storagePath}`]);

interface Made {
  readonly id: string;
  readonly user: { name: string; uid: number; gid: number };
  readonly project: string;
}

/** A Redis instance made through the API, ACTIVE, with the OS user and project the driver gave it. */
async function redisInstance(name: string): Promise<Made> {
  const versions = (await local.api('GET', '/datastores/redis/versions')).json[
    'versions'
  ] as Json[];
  const created = await local.api('POST', '/instances', {
    instance: {
      name,
      flavorRef: '1',
      volume: { size: 1 },
      datastore: { type: 'redis', version: versions[0]?.['name'] },
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const id = String((created.json['instance'] as Json)['id']);
  const active = await local.session.untilInstance(id, settled, 'ACTIVE', 90, 200);
  assert.equal(active['status'], 'ACTIVE', JSON.stringify(active['fault'] ?? active));
  const dir = join(local.state, 'instances', id);
  const { user } = JSON.parse(await readFile(join(dir, 'instance.json'), 'utf8')) as Made;
  const info = await readFile(join(dir, 'guest_info.conf'), 'utf8');
  const project = /^project_id = (.+)$/m.exec(info)?.[1] ?? '';
  assert.ok(user && project, 'the instance has an OS user and a project');
  return { id, user, project };
}

test(
  "a second instance of a project reads the first's backup, and a deleted instance's uid keeps no access",
  { skip },
  async (t) => {
    t.after(() => rm(storagePath, { recursive: true, force: true }));
    const first = await redisInstance('backup-first');
    const second = await redisInstance('backup-second');
    assert.equal(second.project, first.project);
    assert.notEqual(second.user.uid, first.user.uid);

    const put = await asStorageUser(first.user, storagePath, storageScripts.write, [
      first.project,
      'the first instance',
      `${first.id}/backup-1`,
    ]);
    assert.equal(put.code, 0, put.out);
    const stored = JSON.parse(put.out) as { location: string; sha256: string };
    const back = await asStorageUser(second.user, storagePath, storageScripts.read, [
      stored.location,
      stored.sha256,
    ]);
    assert.equal(back.code, 0, back.out);
    assert.equal(back.out, 'the first instance');

    const dir = join(storagePath, first.project);
    assert.match((await exec('getfacl', ['-R', '-n', '-p', dir])).stdout, aclOf(first.user.uid));
    assert.equal((await local.api('DELETE', `/instances/${first.id}`)).status, 202);
    await local.session.untilInstance(first.id, (i) => 'gone' in i, 'deleted', 60, 200);
    const left = (await exec('getfacl', ['-R', '-n', '-p', dir])).stdout;
    assert.doesNotMatch(left, aclOf(first.user.uid));
    assert.match(left, aclOf(second.user.uid));
  },
);

const aclOf = (uid: number): RegExp => new RegExp(`^user:${uid}:`, 'm');
