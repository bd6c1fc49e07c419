// A strategy whose tool writes straight into the zstd the agent offers it: the agent stores what
// zstd made, and a tool killed mid-stream fails the backup with its own reason, leaving no process.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test, type TestContext } from 'node:test';
import type { BackupRun, BackupSource, BackupStrategy } from '@cellar/plugin-api';
import { childrenOf } from '@cellar/plugin-api/processes';
import { quietLog } from '@cellar/plugin-api/testing';
import { decompressor, findZstd } from './compression.js';
import type { GuestStorage } from './objects.js';
import { takeBackup, type TakeBackup } from './take.js';

/** A tool spawned with zstd's input as its stdout; done says how it exited. */
function piped(run: BackupRun<never>, file: string, args: string[]): BackupSource {
  const into = run.compressInto;
  assert.ok(into !== undefined, 'a zstd backup offers zstd its input');
  const child = spawn(file, args, { stdio: ['ignore', into.stdin, 'ignore'] });
  tools.push(child.pid ?? 0);
  const done = new Promise<Record<string, never>>((resolve, reject) =>
    child.on('close', (code, signal) =>
      code === 0 ? resolve({}) : reject(new Error(`${file} exited with ${signal ?? code}`)),
    ),
  );
  return { stream: into.compressed, done };
}

const tools: number[] = [];
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function memoryStorage(): GuestStorage & { kept: Map<string, Buffer> } {
  const kept = new Map<string, Buffer>();
  return {
    kept,
    storage: 'memory',
    project: 'p',
    put: async (key, body) => {
      kept.set(key, await buffer(body));
      return { location: key, size: kept.get(key)?.length ?? 0, sha256: '' };
    },
    get: () => Promise.reject(new Error('unused')),
    list: async () => [],
    delete: async (location) => void kept.delete(location),
    close: async () => undefined,
  };
}

async function take(t: TestContext, strategy: BackupStrategy<never>['backup'], zstd: string) {
  const runDir = await mkdtemp(join(tmpdir(), 'take-piped-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  const storage = memoryStorage();
  const spec: TakeBackup = {
    info: { id: 'b1', instanceId: 'i1' },
    strategy: { name: 'piped', datastore: 'memory', incremental: false, backup: strategy },
    manager: {} as never,
    storage,
    key: 'i1/b1',
    compression: 'zstd',
    zstd,
    runDir,
    controller: new AbortController(),
    progress: () => undefined,
    progressSeconds: 60,
    log: quietLog,
  };
  return { storage, runDir, taking: takeBackup(spec) };
}

test("a tool writing into the agent's zstd is stored compressed and restores its bytes", async (t) => {
  const zstd = await findZstd();
  if (zstd === undefined) return t.skip('zstd is not on PATH here');
  const input = Buffer.concat([randomBytes(2_000_000), Buffer.alloc(4_000_000, 9)]);
  const dir = await mkdtemp(join(tmpdir(), 'take-in-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'raw'), input);
  const { storage, taking } = await take(
    t,
    async (run) => piped(run, 'cat', [join(dir, 'raw')]),
    zstd,
  );
  await taking;
  const stored = storage.kept.get('i1/b1') ?? Buffer.alloc(0);
  assert.ok(stored.length < 3_000_000, 'the stored bytes are compressed');
  const plain = decompressor('b1', 'zstd', zstd);
  plain.end(stored);
  assert.ok((await buffer(plain)).equals(input), 'zstd gives back the bytes the tool wrote');
});

test('a tool killed while writing into zstd fails the backup with its reason and leaves no process', async (t) => {
  const zstd = await findZstd();
  if (zstd === undefined) return t.skip('zstd is not on PATH here');
  tools.length = 0;
  const { storage, taking } = await take(t, async (run) => piped(run, 'yes', []), zstd);
  const deadline = Date.now() + 10_000;
  while (tools.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  process.kill(tools[0] ?? 0, 'SIGKILL');
  await assert.rejects(taking, /yes exited with SIGKILL/);
  assert.equal(storage.kept.size, 0, 'no object is left');
  assert.equal(alive(tools[0] ?? 0), false);
  const until = Date.now() + 10_000;
  while ((await childrenOf(process.pid)).length > 0 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await childrenOf(process.pid), [], 'neither the tool nor zstd is left');
});
