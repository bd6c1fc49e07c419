import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineDatastoreOptions } from '../define.js';
import { defineOptionGroup, opt, types } from './options.js';
import { portRanges } from './standard-options.js';

test('a wrong default fails at definition, naming group and option', () => {
  assert.throws(
    () =>
      defineOptionGroup({
        name: 'x',
        side: 'server',
        options: { port: opt.port({ help: 'p', default: 70000 }) },
      }),
    /option \[x\] port: the default is invalid/,
  );
  assert.throws(
    () => defineOptionGroup({ name: 'x', side: 'server', options: { a: opt.bool({ help: ' ' }) } }),
    /no help/,
  );
  assert.throws(
    () =>
      defineOptionGroup({
        name: 'x',
        side: 'server',
        options: { BadName: opt.bool({ help: 'h' }) },
      }),
    /must match/,
  );
});

test('a datastore declares one group per side, both named after it', () => {
  const ds = defineDatastoreOptions({
    name: 'couch',
    server: {
      tcp_ports: opt.list(types.portRange(), { help: 'ports', default: portRanges('5984') }),
    },
    guest: { mount_point: opt.str({ help: 'where', default: '/var/lib/couch' }) },
  });
  assert.equal(ds.server.name, 'couch');
  assert.equal(ds.server.side, 'server');
  assert.equal(ds.guest.side, 'guest');
  assert.throws(
    () => defineDatastoreOptions({ name: 'Bad-Name', server: {}, guest: {} }),
    /must match/,
  );
});
