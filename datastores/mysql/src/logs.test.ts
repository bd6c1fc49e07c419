import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { logSettings, mariadbLogs } from './logs.js';

test('enabling a log sets it on the running server and keeps it for the option file of every start', async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'mariadb-logs-'));
  t.after(() => rm(mountPoint, { recursive: true, force: true }));
  const sent: string[] = [];
  const host = {
    mountPoint,
    logDir: '/logs',
    errorLog: '/logs/mysqld.log',
    longQueryMs: 1500,
    setGlobal: async (statement: string, values: readonly unknown[]) => {
      sent.push(`${statement} ${JSON.stringify(values)}`);
    },
  };
  const settings = () => logSettings(host);
  assert.deepEqual(settings(), {
    general_log_file: '/logs/general.log',
    general_log: 0,
    slow_query_log_file: '/logs/slow.log',
    slow_query_log: 0,
    long_query_time: 1.5,
  });
  const [, general, slow] = mariadbLogs(host);
  await slow?.enable?.();
  assert.equal(await slow?.enabled?.(), true);
  assert.equal(await general?.enabled?.(), false);
  assert.deepEqual(sent, [
    'SET GLOBAL slow_query_log_file = ? ["/logs/slow.log"]',
    'SET GLOBAL long_query_time = ? [1.5]',
    'SET GLOBAL slow_query_log = ON []',
  ]);
  assert.equal(settings()['slow_query_log'], 1);
  await slow?.disable?.();
  assert.equal(settings()['slow_query_log'], 0);
  assert.equal(sent.at(-1), 'SET GLOBAL slow_query_log = OFF []');
});
