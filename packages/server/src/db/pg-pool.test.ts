import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { resilientPool } from './pg-pool.js';

const ended = (): Error =>
  Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
  });

/** A pool of fake clients: each answers with the next of `answers` (an Error is thrown). */
function fakePool(answers: (string | Error)[], connects: (() => Error | undefined)[] = []) {
  const released: (boolean | undefined)[] = [];
  let made = 0;
  const pool = {
    connect: async () => {
      const refuse = connects[made]?.();
      made += 1;
      if (refuse) throw refuse;
      let done = false;
      return {
        query: async () => {
          const next = answers.shift();
          if (next instanceof Error) throw next;
          return { command: 'SELECT', rowCount: 1, rows: [{ value: next }] };
        },
        release: (destroy?: boolean) => {
          if (done) throw new Error('Release called on client which has already been released');
          done = true;
          released.push(destroy);
        },
      };
    },
    end: async () => undefined,
  };
  return { pool: pool as unknown as pg.Pool, released, made: () => made };
}

test('the first statement of a checkout that meets a connection PostgreSQL ended runs again on a fresh one', async () => {
  const fake = fakePool([ended(), 'answered']);
  const client = await resilientPool(fake.pool).connect();
  const result = await client.query<{ value: string }>('SELECT 1', []);
  assert.deepEqual(result.rows, [{ value: 'answered' }]);
  client.release();
  assert.deepEqual(fake.released, [true, undefined], 'the ended one destroyed, the fresh one kept');
});

test('a later statement of the checkout, or a socket that died under a statement, is never run twice', async () => {
  const later = fakePool(['first', ended()]);
  const client = await resilientPool(later.pool).connect();
  await client.query('BEGIN', []);
  await assert.rejects(client.query('INSERT', []), /administrator command/);
  client.release();
  assert.equal(later.made(), 1);

  const died = fakePool([new Error('Connection terminated unexpectedly')]);
  const other = await resilientPool(died.pool).connect();
  await assert.rejects(other.query('INSERT', []), /Connection terminated/);
  other.release();
  assert.equal(died.made(), 1);
});

test('when no fresh connection can be had, the caller sees why, and releasing throws nothing', async () => {
  const fake = fakePool([ended()], [() => undefined, () => new Error('connect ECONNREFUSED')]);
  const client = await resilientPool(fake.pool).connect();
  await assert.rejects(client.query('SELECT 1', []), /ECONNREFUSED/);
  assert.doesNotThrow(() => client.release());
});
