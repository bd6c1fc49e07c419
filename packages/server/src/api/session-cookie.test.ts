// The session cookie's attributes: Secure exactly when browsers reach Cellar over TLS, the
// token's cookie never readable by scripts, both gone at sign-out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endedCookies, overTls, sessionCookies } from './session-cookie.js';

test('the cookies are Secure over TLS, directly or behind an https public endpoint', () => {
  assert.equal(overTls({ protocol: 'http' }), false);
  assert.equal(overTls({ protocol: 'https' }), true);
  assert.equal(overTls({ protocol: 'http' }, 'https://db.example.org'), true);
  assert.equal(overTls({ protocol: 'http' }, 'http://db.example.org'), false);
  const [session, csrf] = sessionCookies('t0ken', '2030-01-01T00:00:00Z', true);
  assert.match(session ?? '', /^cellar_session=t0ken; .*HttpOnly; Secure; SameSite=Strict/);
  assert.match(csrf ?? '', /^cellar_csrf=[\w-]{43}; .*Secure; SameSite=Strict/);
  assert.doesNotMatch(csrf ?? '', /HttpOnly/, "the console's script must read this one");
  assert.doesNotMatch(sessionCookies('t', '2030-01-01T00:00:00Z', false).join(), /Secure/);
});

test('signing out empties both cookies at once', () => {
  for (const cookie of endedCookies(false)) assert.match(cookie, /=; Max-Age=0; /);
});
