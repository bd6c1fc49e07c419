import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase, parseConnection } from './connect.js';
import { runControlDatabaseSuite } from './database-suite.js';

// A file, not :memory:, so that the suite can open a second connection to the same database.
const dir = mkdtempSync(join(tmpdir(), 'cellar-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));
runControlDatabaseSuite('SQLite (better-sqlite3)', () =>
  openDatabase({ dialect: 'sqlite', path: join(dir, 'control.sqlite') }),
);

test('connection URLs are read as SQLAlchemy writes them, and anything else is named as wrong', () => {
  assert.deepEqual(parseConnection('sqlite:///cellar.sqlite', '/var/lib/cellar'), {
    dialect: 'sqlite',
    path: '/var/lib/cellar/cellar.sqlite',
  });
  assert.deepEqual(parseConnection('sqlite:////srv/db.sqlite', '/x'), {
    dialect: 'sqlite',
    path: '/srv/db.sqlite',
  });
  assert.deepEqual(parseConnection('sqlite://', '/x'), { dialect: 'sqlite', path: ':memory:' });
  assert.deepEqual(parseConnection('postgresql+psycopg2://u:p@h:5/db', '/x'), {
    dialect: 'postgresql',
    url: 'postgresql://u:p@h:5/db',
  });
  assert.throws(
    () => parseConnection('mysql+pymysql://trove:secret@h/trove', '/x'),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(
        e.message,
        /'mysql\+pymysql:\/\/trove:\*\*\*\*@h\/trove' is not a database Cellar can use: expected sqlite:\/\/\/path/,
      );
      assert.equal(e.message.includes('secret'), false);
      return true;
    },
  );
});
