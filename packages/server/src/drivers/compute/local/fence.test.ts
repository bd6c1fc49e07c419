import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive } from '@cellar/plugin-api/processes';
import { fenceProcesses } from './fence.js';
import { InstanceRecords } from './instance-records.js';

test("fencing kills the instance's processes and their children at once, and no one else's", async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cellar-fence-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const records = new InstanceRecords(root);
  const dir = records.dir('i-1');
  await mkdir(join(dir, 'run'), { recursive: true });
  // A process group leader working in the instance's directory, with a child, as a server is;
  // it ignores SIGTERM and SIGINT, as a server in the middle of a shutdown may.
  const script =
    "process.on('SIGTERM',()=>{});process.on('SIGINT',()=>{});require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});setInterval(()=>{},1000)";
  const leader = spawn(process.execPath, ['-e', script], {
    cwd: join(dir, 'run'),
    detached: true,
    stdio: 'ignore',
  });
  const bystander = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], {
    stdio: 'ignore',
  });
  leader.unref();
  t.after(() => {
    bystander.kill('SIGKILL');
    leader.kill('SIGKILL');
  });
  const pid = leader.pid ?? 0;
  await writeFile(join(dir, 'process-groups'), `${pid}\n`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const killed = await fenceProcesses(records, 'i-1');
  assert.ok(killed.includes(pid), `killed ${killed.join(', ')}`);
  assert.ok(killed.length >= 2, 'its child too');
  for (const gone of killed) assert.equal(isAlive(gone), false, `${gone} still runs`);
  assert.equal(isAlive(bystander.pid ?? 0), true);
});
