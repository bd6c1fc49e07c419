// Which addresses a pool gives, and that claims hold host-wide: two deployments on one machine
// never get the same address, a claim whose instance is gone is taken over, a released one reused.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AddressPool, parsePool } from './address-pool.js';

test('a pool gives every address but the network and broadcast ones, on loopback only', () => {
  const dotted = (n: number): string =>
    [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const pool = parsePool('127.42.0.0/16');
  assert.deepEqual([dotted(pool.first), dotted(pool.last)], ['127.42.0.1', '127.42.255.254']);
  const small = parsePool('127.9.9.9/30');
  assert.deepEqual([dotted(small.first), dotted(small.last)], ['127.9.9.9', '127.9.9.10']);
  assert.throws(() => parsePool('10.0.0.0/8'), /not a loopback network/);
  assert.throws(() => parsePool('127.42.0.0/31'), /prefix of 8 to 30/);
  assert.throws(() => parsePool('127.300.0.0/16'), /not a loopback network/);
});

/** Two deployments' instance directories and one host-wide claim directory, all under a temp dir. */
async function twoDeployments(t: { after: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(join(tmpdir(), 'cellar-address-pool-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const hostDir = join(root, 'host');
  const pool = `127.43.${randomInt(1, 255)}.0/24`;
  const deployments = ['a', 'b'].map((name) => {
    const instances = join(root, name, 'instances');
    const addresses = new AddressPool(instances, pool, { hostDir });
    /** Claims an address for a new instance, whose directory exists as the driver's would. */
    const claim = async (id: string): Promise<string> => {
      await mkdir(join(instances, id), { recursive: true });
      return addresses.claim(id, []);
    };
    return { instances, addresses, claim };
  });
  for (const d of deployments) await d.addresses.open();
  return { a: deployments[0]!, b: deployments[1]!, prefix: pool.slice(0, -4) };
}

test('two deployments claiming at once never get the same address', async (t) => {
  const { a, b, prefix } = await twoDeployments(t);
  // A stale claim too, which both deployments race to take over.
  assert.equal(await a.claim('gone'), `${prefix}1`);
  await rm(join(a.instances, 'gone'), { recursive: true });
  const claims = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claim(`instance-${i}`)),
  );
  assert.equal(new Set(claims).size, 20, `addresses given twice: ${claims.join(' ')}`);
  assert.ok(claims.includes(`${prefix}1`), 'the stale claim is taken over');
});

test('a claim whose instance or deployment let go is taken over, a released address reused', async (t) => {
  const { a, b, prefix } = await twoDeployments(t);
  assert.equal(await a.claim('first'), `${prefix}1`);
  assert.equal(await b.claim('second'), `${prefix}2`, 'the other deployment skips a live claim');
  // A deployment removed without releasing its instances leaves its claims behind.
  await rm(join(a.instances, 'first'), { recursive: true });
  assert.equal(await b.claim('third'), `${prefix}1`);
  await b.addresses.release('second');
  assert.equal(await a.claim('fourth'), `${prefix}2`);
  assert.equal(await a.claim('fifth'), `${prefix}3`);
  // Its deployment no longer claims it (its own claim file is gone): stale too.
  await rm(join(b.instances, '.addresses', `${prefix}1`));
  assert.equal(await b.claim('sixth'), `${prefix}1`);
});
