// The guest's admin session settings: which statements keep its passwords out of the logs on each
// flavor (the live log test covers MariaDB; MySQL refuses a session slow_query_log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unloggedSession } from './admin-session.js';

test('the admin session turns the slow query log off where it can and is never slow', () => {
  const mariadb = unloggedSession('mariadb');
  assert.ok(mariadb.includes('SET SESSION sql_log_off = 1'));
  assert.ok(mariadb.includes('SET SESSION slow_query_log = 0'));
  for (const flavor of ['mysql', 'percona'] as const) {
    const statements = unloggedSession(flavor);
    assert.ok(statements.includes('SET SESSION sql_log_off = 1'));
    // slow_query_log is global only on MySQL: setting it for the session is an error.
    assert.ok(!statements.some((s) => s.includes('slow_query_log')), flavor);
    assert.ok(statements.includes('SET SESSION long_query_time = 31536000'), flavor);
  }
});
