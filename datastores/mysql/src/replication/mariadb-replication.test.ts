// What the replication operations accept from the control plane: a ReplicationSource, or a 400
// naming the argument and the field that is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asReplicationSource } from './mariadb-replication.js';

const good = {
  sourceId: 'a',
  host: '127.42.0.9',
  port: 3306,
  user: 'os_repl',
  password: 'p',
  synchronous: false,
  extra: { gtid: '0-1-5' },
};

test('a ReplicationSource is taken as sent; anything else is refused by field', () => {
  assert.deepEqual(asReplicationSource(good, 'snapshot'), good);
  const refused = (value: unknown, message: RegExp): void => {
    assert.throws(
      () => asReplicationSource(value, 'replica_info'),
      (error: Error) => {
        assert.match(error.message, /^replica_info must be a ReplicationSource: /);
        assert.match(error.message, message);
        return true;
      },
    );
  };
  refused(null, /an object is expected/);
  refused({ ...good, host: '' }, /host must be a string/);
  refused({ ...good, port: '3306' }, /port must be an integer/);
  refused({ ...good, synchronous: 'yes' }, /synchronous must be true or false/);
  refused({ ...good, extra: [] }, /extra must be an object/);
});
