// @cellar/plugin-api/testing/backup-storage: the one conformance suite every backup storage runs,
// `runBackupStorageConformance()`, registered with node:test against a real storage.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test, type TestContext } from 'node:test';
import type { BackupStorage, StoredBackupObject } from '../backup-storage/contract.js';
import {
  BackupChecksumMismatch,
  BackupObjectNotFound,
  BackupStorageRefused,
} from '../errors/backup-storage-errors.js';
import {
  digestOf,
  largestFileUnder,
  sha256Of,
  sourceOf,
  type SourcePlan,
} from './backup-storage-sources.js';

/** A real storage to run the suite against; the harness starts and removes what it needs. */
export interface BackupStorageHarness {
  /** The storage under test, opened with working options and `partSize`. */
  readonly storage: BackupStorage;
  /** Where the storage cuts large objects into parts or segments. */
  readonly partSize: number;
  /** The same storage opened with credentials it refuses (or a place it cannot write). */
  openRefused(): Promise<BackupStorage>;
  /** Every credential the harness used: none may appear in an error message or inspect(). */
  readonly secrets: readonly string[];
  /** Flips one byte of a stored object behind the storage's back. */
  corrupt(location: string): Promise<void>;
  /** Everything kept for a project: objects, parts, temporary files and unfinished uploads. */
  leftovers(project: string): Promise<string[]>;
  dispose(): Promise<void>;
}

export interface BackupStorageConformance {
  readonly name: string;
  readonly harness: () => Promise<BackupStorageHarness>;
  /** Why the suite cannot run here (no server); the suite is skipped with it. */
  readonly skip?: string | false;
}

interface Run {
  readonly harness: BackupStorageHarness;
  readonly project: string;
  small?: StoredBackupObject;
}

/** Waits for `condition` until a deadline: storages may settle cleanup just after a rejection. */
async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function roundTripSmall(run: Run): Promise<void> {
  const { storage } = run.harness;
  const plan: SourcePlan = { seed: `small-${run.project}`, size: 70_001 };
  const stored = await storage.put(sourceOf(plan), { project: run.project, key: 'full/small.gz' });
  assert.deepEqual(
    { size: stored.size, sha256: stored.sha256 },
    { size: plan.size, sha256: sha256Of(plan) },
  );
  assert.equal(stored.location, await storage.locationOf(run.project, 'full/small.gz'));
  const read = await digestOf(await storage.get(stored.location, { sha256: stored.sha256 }));
  assert.deepEqual(read, { size: plan.size, sha256: stored.sha256 });
  const listed = await storage.list(run.project, 'full/');
  assert.deepEqual(listed, [{ location: stored.location, key: 'full/small.gz', size: plan.size }]);
  run.small = stored;
}

/** A multi-part object streamed while watching TMPDIR: no staged copy may appear there. */
async function roundTripLarge(run: Run): Promise<void> {
  const { storage, partSize } = run.harness;
  const plan: SourcePlan = { seed: `large-${run.project}`, size: 2 * partSize + 1_234_567 };
  const scratch = await mkdtemp(join(tmpdir(), 'cellar-storage-scratch-'));
  const savedTmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = scratch;
  let largest = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      largest = Math.max(largest, await largestFileUnder(scratch));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const stored = await storage.put(sourceOf(plan), { project: run.project, key: 'full/large' });
    assert.deepEqual(
      { size: stored.size, sha256: stored.sha256 },
      { size: plan.size, sha256: sha256Of(plan) },
    );
    const read = await digestOf(await storage.get(stored.location, { sha256: stored.sha256 }));
    assert.deepEqual(read, { size: plan.size, sha256: stored.sha256 });
  } finally {
    watching = false;
    await watcher;
    if (savedTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmp;
    await rm(scratch, { recursive: true, force: true });
  }
  assert.ok(largest < partSize, `a ${largest}-byte file was staged in TMPDIR during the put`);
}

async function flippedByte(run: Run): Promise<void> {
  const { storage } = run.harness;
  const small = run.small;
  assert.ok(small, 'the small round trip stored an object');
  await run.harness.corrupt(small.location);
  const unchecked = await digestOf(await storage.get(small.location));
  assert.equal(unchecked.size, small.size, 'corrupt() flips a byte without changing the size');
  assert.notEqual(unchecked.sha256, small.sha256);
  const checked = await storage.get(small.location, { sha256: small.sha256 });
  await assert.rejects(digestOf(checked), (error: unknown) => {
    assert.ok(error instanceof BackupChecksumMismatch, `got ${String(error)}`);
    for (const part of [small.location, small.sha256, unchecked.sha256, storage.name])
      assert.ok(error.message.includes(part), `'${error.message}' names ${part}`);
    return true;
  });
}

async function deleteIdempotent(run: Run): Promise<void> {
  const { storage } = run.harness;
  for (const key of ['full/small.gz', 'full/large']) {
    const location = await storage.locationOf(run.project, key);
    await storage.delete(location);
    await storage.delete(location);
    await assert.rejects(storage.get(location), BackupObjectNotFound);
  }
  assert.deepEqual(await storage.list(run.project), []);
  await eventually(
    'removal of every part',
    async () => (await run.harness.leftovers(run.project)).length === 0,
  );
}

/** A put cut short (aborted, or its source failing) after some parts went up leaves nothing. */
async function interruptedPut(run: Run, how: 'abort' | 'fail'): Promise<void> {
  const { storage, partSize } = run.harness;
  const project = `${run.project}${how}`;
  const controller = new AbortController();
  const cutAt = 2 * partSize + 65_536;
  const failure = new Error('the backup tool died');
  const plan: SourcePlan = {
    seed: how,
    size: 4 * partSize,
    ...(how === 'fail'
      ? { failAt: { bytes: cutAt, error: failure } }
      : { onProgress: (bytes) => bytes >= cutAt && controller.abort(new Error('cancelled')) }),
  };
  await assert.rejects(
    storage.put(sourceOf(plan), { project, key: 'full/cut', signal: controller.signal }),
  );
  await assert.rejects(
    storage.get(await storage.locationOf(project, 'full/cut')),
    BackupObjectNotFound,
  );
  await eventually(`removal of the ${how}ed put's parts`, async () => {
    const left = await run.harness.leftovers(project);
    return left.length === 0;
  });
}

async function refusingStorage(run: Run): Promise<void> {
  const refused = await run.harness.openRefused();
  try {
    const plan: SourcePlan = { seed: 'refused', size: 1000 };
    await assert.rejects(
      refused.put(sourceOf(plan), { project: run.project, key: 'refused' }),
      (error: unknown) => {
        assert.ok(error instanceof BackupStorageRefused, `got ${inspect(error)}`);
        assert.ok(error.message.includes(refused.name), `'${error.message}' names the storage`);
        const shown = `${error.message}\n${inspect(error, { depth: 5 })}\n${inspect(refused)}`;
        for (const secret of run.harness.secrets)
          assert.ok(!shown.includes(secret), 'a credential appears in the error or the storage');
        return true;
      },
    );
  } finally {
    await refused.close();
  }
}

const steps: readonly [string, (run: Run) => Promise<void>][] = [
  ['a small object round-trips with its size and SHA-256', roundTripSmall],
  ['a multi-part object streams through without staging and round-trips', roundTripLarge],
  ['a flipped byte is refused on a checked get, naming the object and both digests', flippedByte],
  ['delete removes an object with its parts, and deleting it again succeeds', deleteIdempotent],
  ['an aborted put leaves no object and no parts', (run) => interruptedPut(run, 'abort')],
  ['a put whose source fails leaves no object and no parts', (run) => interruptedPut(run, 'fail')],
  [
    'a storage that refuses the credentials fails typed, naming it, without secrets',
    refusingStorage,
  ],
];

export function runBackupStorageConformance(spec: BackupStorageConformance): void {
  void test(`backup storage conformance: ${spec.name}`, { skip: spec.skip ?? false }, async (t) => {
    const harness = await spec.harness();
    const run: Run = { harness, project: `p${randomBytes(4).toString('hex')}` };
    try {
      for (const [name, step] of steps) await t.test(name, (_: TestContext) => step(run));
      await t.test('keys that could escape the project are refused', async () => {
        for (const key of ['../x', '/abs', 'a/../../b', '.hidden', 'a?b=c', ''])
          await assert.rejects(
            harness.storage.locationOf(run.project, key),
            /not a backup object key/,
          );
      });
    } finally {
      await harness.storage.close();
      await harness.dispose();
    }
  });
}
