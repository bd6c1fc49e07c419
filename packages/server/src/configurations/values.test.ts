import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { testParameters } from './test-catalog.js';
import { checkValues } from './values.js';

const catalog = { datastore: 'postgresql', version: '15', parameters: testParameters };

/** The message of the 422 the values are refused with. */
function refusal(values: Record<string, unknown>, ramMb?: number): string {
  try {
    const fits = ramMb === undefined ? [] : [{ flavor: '1', ramMb, holder: 'instance i1' }];
    checkValues(catalog, values, fits);
  } catch (error) {
    assert.ok(isCellarError(error));
    assert.equal(error.status, 422);
    assert.equal(error.fault, 'unprocessableEntity');
    return error.message;
  }
  assert.fail(`${JSON.stringify(values)} was accepted`);
}

test('each refused value names the parameter, the value and the rule it breaks', () => {
  assert.match(
    refusal({ max_conections: 10 }),
    /max_conections: unknown parameter for postgresql 15/,
  );
  assert.match(refusal({ max_connections: '10' }), /max_connections: "10" is not an integer/);
  assert.match(refusal({ max_connections: 1.5 }), /max_connections: 1.5 is not an integer/);
  assert.match(refusal({ max_connections: 0 }), /max_connections: 0 is below the minimum 1/);
  assert.match(
    refusal({ work_mem: 3e9 }),
    /work_mem: 3000000000 is above the maximum 2147483647 \(unit kB\)/,
  );
  assert.match(
    refusal({ log_min_messages: 'loud' }),
    /log_min_messages: "loud" is not one of the choices debug1, info/,
  );
  assert.match(refusal({ jit: 'on' }), /jit: "on" is not true or false/);
  assert.match(refusal({ random_page_cost: 'x' }), /random_page_cost: "x" is not a number/);
  // Every problem at once, not the first alone.
  assert.match(refusal({ max_connections: 0, jit: 1 }), /max_connections: 0 .*; jit: 1 /);
});

test('a memory-like value larger than the RAM of a flavor it runs with is refused naming both', () => {
  // 65536 × 8 kB = 512 MB fits a 512 MB flavor; one more page does not.
  assert.deepEqual(
    checkValues(catalog, { shared_buffers: 65536 }, [{ flavor: '1', ramMb: 512, holder: 'x' }]),
    { shared_buffers: 65536 },
  );
  assert.match(
    refusal({ shared_buffers: 65537 }, 512),
    /shared_buffers: 65537 \(513 MB\) is more than the 512 MB of RAM of flavor 1 \(instance i1\)/,
  );
});

test('names match case-insensitively and are kept as the catalog spells them', () => {
  assert.deepEqual(checkValues(catalog, { MAX_Connections: 200, log_min_messages: 'WARNING' }), {
    max_connections: 200,
    log_min_messages: 'WARNING',
  });
});
