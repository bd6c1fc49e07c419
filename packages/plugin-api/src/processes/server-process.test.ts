import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive } from './proc.js';
import {
  logTail,
  readPid,
  runningServer,
  runProgram,
  startServer,
  stopServer,
} from './server-process.js';

const scratch = (): Promise<string> => mkdtemp(join(tmpdir(), 'cellar-proc-'));
const asSelf = { home: '/' };

/** A shell that stays until killed, working in dir (as a server works in its data directory). */
function startIn(dir: string, logFile: string, script = 'exec sleep 30'): number {
  const child = startServer('/bin/sh', ['-c', `cd ${dir} && ${script}`], logFile, asSelf);
  assert.ok(child.pid);
  return child.pid;
}

test('readPid: the first line of a pid file, as mariadbd, redis-server and postgres write it', async (t) => {
  const dir = await scratch();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.pid');
  assert.equal(readPid(file), undefined, 'no file');
  await writeFile(file, '4242\n');
  assert.equal(readPid(file), 4242);
  await writeFile(file, '4243\n/var/lib/postgresql/data\n1700000000\n');
  assert.equal(readPid(file), 4243, 'postmaster.pid: more lines follow the PID');
  await writeFile(file, 'garbage\n');
  assert.equal(readPid(file), undefined);
});

test('runningServer: a live process working in the data directory; a reused PID elsewhere is not it', async (t) => {
  const dir = await scratch();
  const dataDir = join(dir, 'data');
  await runProgram('/bin/mkdir', [dataDir], asSelf);
  const pid = startIn(dataDir, join(dir, 'server.log'));
  t.after(async () => {
    await stopServer(pid, { signal: 'SIGKILL', timeoutMs: 5_000, name: 'sleep' });
    await rm(dir, { recursive: true, force: true });
  });
  const pidFile = join(dir, 'server.pid');
  await writeFile(pidFile, `${pid}\n`);
  const deadline = Date.now() + 5_000;
  while (runningServer(pidFile, dataDir) === undefined && Date.now() < deadline)
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(runningServer(pidFile, dataDir), pid);
  await writeFile(pidFile, `${process.pid}\n`);
  assert.equal(runningServer(pidFile, dataDir), undefined, 'this process works elsewhere');
});

test('stopServer: the shutdown signal ends a server; one that ignores it is named in the error with the hint', async (t) => {
  const dir = await scratch();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const polite = startIn(dir, join(dir, 'polite.log'));
  await stopServer(polite, { signal: 'SIGTERM', timeoutMs: 5_000, name: 'the server' });
  assert.equal(isAlive(polite), false);
  const stubbornLog = join(dir, 'stubborn.log');
  const stubborn = startIn(
    dir,
    stubbornLog,
    "trap '' TERM; echo trapped; while :; do sleep 1; done",
  );
  t.after(() => process.kill(stubborn, 'SIGKILL'));
  // Until the shell ignores SIGTERM: before that, the signal would end it.
  const deadline = Date.now() + 5_000;
  while (!(await readFile(stubbornLog, 'utf8')).includes('trapped') && Date.now() < deadline)
    await new Promise((resolve) => setImmediate(resolve));
  await assert.rejects(
    stopServer(stubborn, {
      signal: 'SIGTERM',
      timeoutMs: 200,
      name: 'redis-server',
      hint: 'see its log',
    }),
    new RegExp(
      `^Error: redis-server \\(PID ${stubborn}\\) did not stop within 0.2 s; see its log$`,
    ),
  );
  assert.equal(isAlive(stubborn), true, 'never killed: a server still saving keeps its save');
});

test('startServer appends output to the log, and logTail shows its end; runProgram fails with the output', async (t) => {
  const dir = await scratch();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'server.log');
  assert.equal(await logTail(logFile), '(no server log)');
  await writeFile(logFile, 'an earlier start\n');
  const child = startServer('/bin/sh', ['-c', 'echo "FATAL: no such role" >&2'], logFile, asSelf);
  // The child is unref'd (it must not keep a guest agent alive): wait on its output instead.
  const deadline = Date.now() + 5_000;
  while (!(await readFile(logFile, 'utf8')).includes('role') && Date.now() < deadline)
    await new Promise((resolve) => setImmediate(resolve));
  assert.ok(child.pid);
  assert.equal(await readFile(logFile, 'utf8'), 'an earlier start\nFATAL: no such role\n');
  assert.equal(await logTail(logFile, 20), 'FATAL: no such role');
  await assert.rejects(
    runProgram('/bin/sh', ['-c', 'echo "bad datadir"; exit 3'], asSelf),
    /^Error: \/bin\/sh exited with status 3:\nbad datadir$/,
  );
  await runProgram(
    '/bin/sh',
    ['-c', 'test "$HOME" = /tmp && test "$PATH" = /bin'],
    {
      home: '/tmp',
    },
    '/bin',
  );
});

test('runProgram kills a program that outlives its timeout and fails naming it and the time', async (t) => {
  const dir = await scratch();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pidFile = join(dir, 'hung.pid');
  const started = Date.now();
  await assert.rejects(
    runProgram(
      '/bin/sh',
      ['-c', `echo started; echo $$ > ${pidFile}; exec sleep 30`],
      asSelf,
      undefined,
      {
        timeoutMs: 300,
      },
    ),
    /^Error: \/bin\/sh did not finish within 0.3 s and was killed:\nstarted$/,
  );
  assert.ok(Date.now() - started < 5_000, 'failed at its timeout, not when the program ended');
  const pid = readPid(pidFile);
  assert.ok(pid !== undefined);
  const deadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(isAlive(pid), false, 'the hung program is killed');
});
