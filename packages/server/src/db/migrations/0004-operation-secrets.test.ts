import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Migrator } from 'kysely';
import { migrateToLatest, openDatabase } from '../connect.js';
import { insertInstance } from '../../testing/instance-fixture.js';
import { now } from '../schema.js';
import { migrations } from './index.js';

/** What the files of a SQLite database (with its WAL, when one is left) hold, as bytes. */
async function bytesOf(file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const path of [file, `${file}-wal`])
    parts.push(await readFile(path).catch(() => Buffer.alloc(0)));
  return Buffer.concat(parts);
}

test('passwords earlier versions left in ended operations are gone from the database file after the upgrade; open ones keep theirs to resume', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-migration-'));
  const file = join(dir, 'control.sqlite');
  try {
    let control = await openDatabase({ dialect: 'sqlite', path: file });
    const migrator = new Migrator({
      db: control.db,
      provider: { getMigrations: async () => migrations },
    });
    assert.equal((await migrator.migrateTo('0003-one-open-operation')).error, undefined);
    const databases = ['orders', 'invoices', 'customers'].map((name) => ({ name }));
    // One instance each: an instance has at most one open operation (0003).
    const legacy = async (status: 'succeeded' | 'running', password: string) => ({
      id: randomUUID(),
      instance_id: await insertInstance(control.db),
      kind: 'create' as const,
      status,
      // As earlier versions wrote it: each user's databases after its password.
      request: JSON.stringify({ databases: [], users: [{ name: 'app', password, databases }] }),
      error_code: null,
      error_message: null,
      created_at: now(),
      updated_at: now(),
    });
    const ended = await legacy('succeeded', 'ended-legacy-pw-41d9');
    const open = await legacy('running', 'open-legacy-pw-8c3e');
    // Rows on both sides of it, as in a database in use: the erased one leaves a hole in its page.
    const others = [
      await legacy('running', 'other-legacy-pw-1'),
      await legacy('running', 'other-legacy-pw-2'),
      await legacy('running', 'other-legacy-pw-3'),
    ];
    await control.db
      .insertInto('operations')
      .values([open, others[0]!, ended, others[1]!, others[2]!])
      .execute();
    await control.close();

    control = await openDatabase({ dialect: 'sqlite', path: file });
    // The upgrade applies 0004 and every migration after it, whatever later ones there are.
    assert.deepEqual(
      await migrateToLatest(control.db),
      Object.keys(migrations).filter((name) => name >= '0004'),
    );
    const requests = new Map(
      (await control.db.selectFrom('operations').select(['id', 'request']).execute()).map((r) => [
        r.id,
        JSON.parse(r.request) as unknown,
      ]),
    );
    assert.deepEqual(requests.get(ended.id), {
      databases: [],
      users: [{ name: 'app', databases }],
    });
    assert.deepEqual(requests.get(open.id), {
      databases: [],
      users: [{ name: 'app', password: 'open-legacy-pw-8c3e', databases }],
    });
    await control.close();
    assert.equal((await bytesOf(file)).includes('ended-legacy-pw-41d9'), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
