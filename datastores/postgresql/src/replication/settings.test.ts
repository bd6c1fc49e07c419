import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFacts, renderReplicationConf, STANDALONE } from './settings.js';

const source = {
  sourceId: 's-1',
  host: '127.0.0.9',
  port: 5432,
  user: 'cellar_replicator',
  password: 'pw',
  synchronous: false,
};

test('a replica follows its source through its own slot, on the latest timeline', () => {
  const conf = renderReplicationConf(
    { role: 'replica', source, replicas: [], readOnly: false },
    'r-1',
  );
  assert.match(conf, /^primary_conninfo = '.*host=''127\.0\.0\.9''/m);
  assert.match(conf, /^primary_slot_name = 'cellar_r_1'$/m);
  assert.match(conf, /^recovery_target_timeline = 'latest'$/m);
  assert.doesNotMatch(conf, /synchronous_standby_names/);
});

test('a source waits for any one synchronous replica, and names no asynchronous one', () => {
  const conf = renderReplicationConf(
    {
      role: 'source',
      replicas: [
        { id: 'a', synchronous: true },
        { id: 'b', synchronous: false },
        { id: 'c', synchronous: true },
      ],
      readOnly: true,
    },
    's',
  );
  assert.match(conf, /^synchronous_standby_names = 'ANY 1 \("cellar_a", "cellar_c"\)'$/m);
  assert.match(conf, /^default_transaction_read_only = on$/m);
  assert.doesNotMatch(conf, /primary_conninfo/);
});

test('a state file read back keeps what it had and drops what it cannot read', () => {
  const facts = {
    role: 'replica',
    source,
    replicas: [{ id: 'x', synchronous: true }],
    readOnly: false,
    password: 'pw',
  };
  assert.deepEqual(parseFacts(JSON.stringify(facts)), facts);
  assert.deepEqual(parseFacts('[]'), STANDALONE);
  assert.equal(parseFacts('{"role":"boss","replicas":[1]}').role, 'standalone');
});
