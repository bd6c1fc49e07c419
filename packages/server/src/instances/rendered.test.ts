import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RenderedViews } from './rendered.js';
import { detailView, summaryView, type ViewContext, type ViewedRow } from './views.js';

const row: ViewedRow = {
  id: 'i1',
  name: 'db1',
  tenant_id: 'p1',
  flavor_id: '2',
  volume_size: 1,
  task_status: 'NONE',
  server_status: 'ACTIVE',
  address: '127.42.0.1',
  hostname: null,
  access: '{"is_public":false,"allowed_cidrs":[]}',
  locality: null,
  configuration_id: null,
  restart_required: 0,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  datastore: 'postgresql',
  version: '15',
  service_status: 'healthy',
  service_updated_at: '2026-01-01T00:00:00.000Z',
};
const context = (at: string, admin = false): ViewContext => ({
  base: 'http://cellar',
  tenant: 'p1',
  admin,
  now: new Date(at),
  heartbeatExpiry: 90,
});

test('rendered views are the views serialised, for every caller and time', () => {
  const rendered = new RenderedViews();
  const fault = { message: 'boom', created_at: '2026-01-01T00:00:01.000Z', details: 'trace' };
  for (const v of [
    context('2026-01-01T00:00:30Z'),
    context('2026-01-01T00:00:30Z', true),
    context('2026-01-01T00:05:00Z'),
  ]) {
    assert.equal(rendered.summary(row, v), JSON.stringify(summaryView(row, v)));
    assert.equal(rendered.detail(row, v, undefined), JSON.stringify(detailView(row, v, {})));
    assert.equal(rendered.detail(row, v, fault), JSON.stringify(detailView(row, v, { fault })));
  }
});

test('a silent guest turns the kept row ERROR once its heartbeat expires', () => {
  const rendered = new RenderedViews();
  const status = (at: string) =>
    (JSON.parse(rendered.detail(row, context(at), undefined)) as { operating_status: string })
      .operating_status;
  assert.equal(status('2026-01-01T00:00:30Z'), 'HEALTHY');
  assert.equal(status('2026-01-01T00:01:29Z'), 'HEALTHY');
  assert.equal(status('2026-01-01T00:01:31Z'), 'ERROR');
});
