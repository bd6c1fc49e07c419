import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CounterRate } from './guest-metrics.js';

test('a counter rate is the increase per second since the previous reading', () => {
  const rate = new CounterRate();
  assert.equal(rate.observe(100, 10_000), undefined, 'one reading says nothing of a rate');
  assert.equal(rate.observe(130, 12_000), 15);
  assert.equal(rate.observe(130, 17_000), 0);
});

test('a counter that went back (a restarted server) gives no rate, then counts from there', () => {
  const rate = new CounterRate();
  rate.observe(5000, 0);
  assert.equal(rate.observe(40, 1000), undefined);
  assert.equal(rate.observe(60, 3000), 10);
});

test('two readings at the same moment give no rate rather than an infinite one', () => {
  const rate = new CounterRate();
  rate.observe(1, 1000);
  assert.equal(rate.observe(2, 1000), undefined);
});
