import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstSteps } from './first-steps.js';

test('the banner shows how to create and reach each datastore this host has a version of', () => {
  const lines = firstSteps('/srv/state', { postgresql: '15', mysql: '10.11', redis: '7.0' });
  const text = lines.join('\n');
  assert.match(text, /--datastore postgresql --datastore-version 15 /);
  assert.match(text, /--datastore mysql --datastore-version 10\.11 /);
  assert.match(text, /--datastore redis --datastore-version 7\.0 /);
  assert.match(text, /psql -h <its address>/);
  assert.match(text, /MYSQL_PWD=app-Secret-1 mariadb -h <its address> -u app/);
  assert.match(text, /REDISCLI_AUTH=app-Secret-1 redis-cli -h <its address> --user app/);
  assert.doesNotMatch(text, / -p\S|--pass /, 'no password on a command line');
  assert.match(text, /OS_CLIENT_CONFIG_FILE=\/srv\/state\/clouds\.yaml/);
});

test('a datastore this host cannot run gets no example, and none at all leaves no heading', () => {
  const text = firstSteps('/srv/state', { postgresql: '15' }).join('\n');
  assert.doesNotMatch(text, /--datastore (mysql|redis)/);
  assert.deepEqual(firstSteps('/srv/state', {}), []);
});
