import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  booleanType,
  dictType,
  durationType,
  hostAddressType,
  integerType,
  listType,
  portRangeType,
  portType,
  stringType,
  uriType,
  type OptionType,
} from './option-types.js';

function read<T>(type: OptionType<T>, text: string): { value?: T; problem?: string } {
  const parsed = type.parse(text);
  if (!parsed.ok) return { problem: `expected ${type.expected}` };
  const problem = type.check(parsed.value);
  return problem ? { problem } : { value: parsed.value };
}

test('port lists accept single ports and ranges, as Trove tcp_ports do', () => {
  const ports = listType(portRangeType());
  assert.deepEqual(read(ports, '5432, 6000-6010').value, [
    { from: 5432, to: 5432 },
    { from: 6000, to: 6010 },
  ]);
  assert.equal(
    ports.format([
      { from: 5432, to: 5432 },
      { from: 6000, to: 6010 },
    ]),
    '5432,6000-6010',
  );
  assert.deepEqual(read(ports, '').value, []);
});

test('a port list names the bad item and what a good one looks like', () => {
  const ports = listType(portRangeType());
  assert.match(
    read(ports, '5432,70000').problem ?? '',
    /item 2 \('70000'\): expected a port from 1 to 65535/,
  );
  assert.match(read(ports, '6010-6000').problem ?? '', /item 1 \('6010-6000'\)/);
  assert.match(read(ports, '5432,http').problem ?? '', /item 2 \('http'\)/);
});

test('integers and ports are range-checked', () => {
  assert.equal(read(integerType({ min: 1, max: 10 }), '10').value, 10);
  assert.match(read(integerType({ min: 1, max: 10 }), '11').problem ?? '', /from 1 to 10/);
  assert.match(read(integerType(), '1.5').problem ?? '', /an integer/);
  assert.match(read(portType(), '65536').problem ?? '', /port number from 0 to 65535/);
});

test('booleans read oslo words; durations read units into seconds', () => {
  assert.equal(read(booleanType(), 'Yes').value, true);
  assert.equal(read(booleanType(), 'off').value, false);
  assert.ok(read(booleanType(), 'maybe').problem);
  const d = durationType({ min: 1 });
  assert.equal(read(d, '1800').value, 1800);
  assert.equal(read(d, '5m').value, 300);
  assert.equal(read(durationType(), '250ms').value, 0.25);
  assert.match(read(d, '250ms').problem ?? '', /at least 1 s/);
  assert.ok(read(d, '0').problem);
  assert.ok(read(d, 'soon').problem);
});

test('strings honour choices, regex and length; URIs their schemes', () => {
  const choice = stringType({ choices: [['local', 'on this machine'], 'simulated'] });
  assert.equal(read(choice, 'local').value, 'local');
  assert.match(read(choice, 'docker').problem ?? '', /one of: local, simulated/);
  assert.ok(choice.sampleNotes.includes('local - on this machine'));
  assert.ok(read(stringType({ regex: /^\// }), 'relative').problem);
  assert.ok(read(stringType({ maxLength: 3 }), 'abcd').problem);
  const amqp = uriType({ schemes: ['amqp', 'amqps'] });
  assert.equal(
    read(amqp, 'amqp://guest:guest@127.0.0.1:5672/').value,
    'amqp://guest:guest@127.0.0.1:5672/',
  );
  assert.match(read(amqp, 'http://x').problem ?? '', /scheme amqp or amqps/);
});

test('dicts read k:v pairs and check every value', () => {
  const dict = dictType(integerType({ min: 0 }));
  assert.deepEqual(read(dict, 'a:1, b:2').value, { a: 1, b: 2 });
  assert.match(read(dict, 'a:1,b:-1').problem ?? '', /key 'b'/);
  assert.equal(dict.format({ a: 1, b: 2 }), 'a:1,b:2');
  assert.ok(read(dict, 'nocolon').problem);
});

test('host addresses: IPv4, IPv6 and host names pass; ":::", "999.1.1.1" and "1.2.3" are refused', () => {
  const host = hostAddressType();
  for (const good of [
    '127.0.0.1',
    '::',
    '::1',
    '2001:db8::5',
    'fe80::1%eth0',
    'db.example.org',
    'localhost',
  ])
    assert.equal(read(host, good).value, good, good);
  for (const bad of [':::', '1:2:3:4:5:6:7:8:9', '999.1.1.1', '1.2.3', '::g', 'a..b', '-x'])
    assert.equal(read(host, bad).problem, 'expected an IP address or a host name', bad);
});
