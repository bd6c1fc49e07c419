// How the backup tools' runs are judged: a missing tool names its package, a failed run its last
// error line, and a run that exits 0 without mariabackup's closing line is not a backup.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backupProblem } from './backup.js';
import { findTool, lastErrorLine } from './backup-tools.js';

test('a missing mariabackup is refused naming the Debian package that provides it', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'cmy-tools-'));
  t.after(() => rm(empty, { recursive: true, force: true }));
  assert.throws(() => findTool('mariabackup', [empty]), /install Debian's mariadb-backup/);
});

const OK_RUN = [
  "[00] 2026-11-30 12:00:01 Backup created in directory '/tmp/x/'",
  '[00] 2026-11-30 12:00:01 Writing backup-my.cnf',
  '[00] 2026-11-30 12:00:01 completed OK!',
];

test('a mariabackup run counts only when it exits 0 and ends with completed OK!', () => {
  assert.equal(backupProblem({ code: 0, signal: null, stderr: OK_RUN }), undefined);
  assert.equal(
    backupProblem({ code: 0, signal: null, stderr: OK_RUN.slice(0, 2) }),
    'mariabackup did not complete: Writing backup-my.cnf',
  );
  assert.equal(
    backupProblem({ code: null, signal: 'SIGKILL', stderr: OK_RUN.slice(0, 1) }),
    "mariabackup was killed by SIGKILL: Backup created in directory '/tmp/x/'",
  );
});

test('a failed run is reported by its last error line, without the log prefix', () => {
  const stderr = [
    '[00] 2026-11-30 12:00:00 Connecting to server host: localhost',
    'Error: missing required privilege RELOAD on *.*',
    '[00] 2026-11-30 12:00:00 Cleaning up',
  ];
  assert.equal(
    backupProblem({ code: 1, signal: null, stderr }),
    'mariabackup exited with status 1: Error: missing required privilege RELOAD on *.*',
  );
  assert.equal(lastErrorLine(['', '  ']), '(no output)');
});
