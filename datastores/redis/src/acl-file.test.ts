import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertedAclFile } from './acl-file.js';
import { ROOT_RULES } from './root.js';

const admin = 'a'.repeat(64);
const root = 'b'.repeat(64);
const backup = 'c'.repeat(64);
const lines = (text: string): string[] =>
  assertedAclFile(text, { admin, backup }).trimEnd().split('\n');

test('os_admin is put back on with its own password, however the file left it', () => {
  for (const left of ['user os_admin off resetpass -@all', '', `user os_admin on #${root} -@all`])
    assert.deepEqual(
      lines(left).filter((l) => l.startsWith('user os_admin')),
      [`user os_admin on #${admin} ~* &* +@all`],
      left,
    );
});

test("root keeps its password and state but gets Cellar's rules back", () => {
  const [line] = lines(`user default on sanitize-payload #${root} ~* &* +@all`);
  assert.equal(line, `user default on #${root} ~* &* ${ROOT_RULES.join(' ')}`);
  assert.ok(ROOT_RULES.includes('-config|set') && ROOT_RULES.includes('-acl|setuser'));
});

test('a missing, passwordless or disabled root line becomes off: Redis would make it nopass', () => {
  for (const left of ['', 'user default on nopass ~* +@all', `user default off #${root} +@all`])
    assert.deepEqual(lines(left)[0], 'user default off resetchannels -@all', left);
});

test("the API's ACL users pass through as the server saved them", () => {
  const app = `user app on #${root} ~app:* resetchannels -@all +get -@admin`;
  assert.deepEqual(lines(`user default off\n${app}\nuser os_admin on\n`).slice(3), [app]);
});

test('os_backup is put back with SYNC and REPLCONF only, whatever the file gave it', () => {
  for (const left of ['', `user os_backup on #${root} ~* +@all`, 'user os_backup off'])
    assert.deepEqual(
      lines(left).filter((l) => l.startsWith('user os_backup')),
      [`user os_backup on #${backup} resetchannels -@all +sync +replconf`],
      left,
    );
});
