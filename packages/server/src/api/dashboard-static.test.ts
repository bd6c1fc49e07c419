// The console's static files at /dashboard/: the built page with a policy that allows only this
// origin, its hashed assets cached for good, and a clear answer when the console is not built.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './app-fixture.js';
import { consoleFiles } from './routes/dashboard.js';

const skip = existsSync(join(consoleFiles, 'index.html'))
  ? false
  : 'the console is not built (scripts/setup builds it: npm run build -w @cellar/console)';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

test('/dashboard redirects to /dashboard/, which serves the console page', { skip }, async () => {
  const bare = await api.app.inject({ method: 'GET', url: '/dashboard' });
  assert.equal(bare.statusCode, 302);
  assert.equal(bare.headers.location, '/dashboard/');
  const page = await api.app.inject({ method: 'GET', url: '/dashboard/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /<div id="root">/);
  const policy = String(page.headers['content-security-policy']);
  assert.match(policy, /default-src 'self'/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.equal(page.headers['cache-control'], 'no-cache');
  const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
  assert.ok(script, page.body);
  const asset = await api.app.inject({ method: 'GET', url: script });
  assert.equal(asset.statusCode, 200);
  assert.match(String(asset.headers['cache-control']), /immutable/);
});

test('the console needs no token to load, and its session routes are not the API', async () => {
  const session = await api.app.inject({ method: 'GET', url: '/dashboard/api/session' });
  assert.equal(session.statusCode, 401);
  assert.match(session.body, /not signed in to the console/);
});
