// Who may read /metrics: the static tokens, an admin's token, and nobody else.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError, Unauthorized } from '@cellar/plugin-api';
import type { TokenInfo } from '../identity/identity.js';
import { ScrapeAuth } from './scrape-auth.js';

const holder = (roles: string[]): TokenInfo => ({
  userId: 'u',
  userName: 'u',
  projectId: 'p',
  projectName: 'p',
  roles,
  issuedAt: '',
  expiresAt: '',
});
const tokens = {
  validate: async (token: string): Promise<TokenInfo> => {
    if (token === 'an-admin') return holder(['admin']);
    if (token === 'a-member') return holder(['member']);
    throw new Unauthorized({ reason: 'the token is not valid' });
  },
};
const auth = new ScrapeAuth(tokens, [undefined, 'metrics-token-0123456789']);
const status = (promise: Promise<void>): Promise<number> =>
  promise.then(
    () => 200,
    (error: unknown) => (isCellarError(error) ? error.status : 500),
  );

test('the metrics token and an admin token read /metrics, as a bearer token or X-Auth-Token', async () => {
  assert.equal(await status(auth.check({ authorization: 'Bearer metrics-token-0123456789' })), 200);
  assert.equal(await status(auth.check({ 'x-auth-token': 'metrics-token-0123456789' })), 200);
  assert.equal(await status(auth.check({ authorization: 'bearer an-admin' })), 200);
});

test('no token is a 401, a wrong one too, and a member is a 403', async () => {
  assert.equal(await status(auth.check({})), 401);
  assert.equal(await status(auth.check({ authorization: 'Basic dTpw' })), 401);
  assert.equal(await status(auth.check({ authorization: 'Bearer metrics-token-012345678' })), 401);
  assert.equal(await status(auth.check({ 'x-auth-token': 'a-member' })), 403);
});
