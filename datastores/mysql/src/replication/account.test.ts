// Where the replication account may log in from: the network the control plane names, else the
// source's own, and 127.0.0.1 on loopback, where every connection comes from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicaHost } from './account.js';

test("the replication account's host is the replicas' network, written as MariaDB takes it", () => {
  assert.equal(replicaHost('10.1.2.3', { replica_network: '10.1.0.0/16' }), '10.1.0.0/255.255.0.0');
  assert.equal(
    replicaHost('10.1.2.3', { replica_network: '10.1.2.9/24' }),
    '10.1.2.0/255.255.255.0',
  );
  assert.equal(replicaHost('10.1.2.3', null), '10.1.2.0/255.255.255.0');
  assert.equal(replicaHost('127.42.0.9', null), '127.0.0.1');
  assert.equal(replicaHost('2001:db8::1', null), '%');
  assert.throws(
    () => replicaHost('10.1.2.3', { replica_network: '10.1.2.3' }),
    /replica_network '10.1.2.3' is not an IPv4 CIDR such as 10.0.0.0\/24/,
  );
});
