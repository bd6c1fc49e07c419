// The local backup storage used as a guest uses it, in a child process running as the guest's OS
// user: what that user's writes, reads and listings do with the ACLs a compute driver gave it.

import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Who to run as: an instance's OS user (its record's `user`). */
export interface StorageUser {
  readonly uid: number;
  readonly gid: number;
}

const storageModule = import.meta.resolve('@cellar/backup-storage-local/storage');

/**
 * Why another OS user cannot load the storage from this checkout (a directory above it that
 * others may not pass, as a clone under /root or in a mktemp directory), or false when it can.
 */
export function storageUnreachable(): string | false {
  for (let dir = dirname(fileURLToPath(storageModule)); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0)
      return `${dir} is closed to other users (no o+x), so a guest's user cannot load the storage from this checkout`;
    if (dirname(dir) === dir) return false;
  }
}

/**
 * Runs `script` (an ES module body, given `storage`: the local storage at `path`, `args`, `Readable`,
 * `fs`, and `attempt(promise)`, which answers 'refused: <code> <message>' for a rejection) as the user;
 * what it prints is `out`, with its standard error.
 */
export function asStorageUser(
  user: StorageUser,
  path: string,
  script: string,
  args: readonly string[] = [],
): Promise<{ code: number | null; out: string }> {
  const prelude = `const { default: d } = await import(${JSON.stringify(storageModule)});
    const { Readable } = await import('node:stream');
    const fs = await import('node:fs/promises');
    const storage = await d.open({ path: ${JSON.stringify(path)}, fsync: true });
    const [, ...args] = process.argv;
    const attempt = (p) => p.then((r) => r, (e) => 'refused: ' + (e.code ?? '') + ' ' + e.message);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', prelude + script, ...args], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out: out.trim() }));
  });
}

/** Scripts for asStorageUser. write: project, body, key; prints the stored object as JSON. */
export const storageScripts = {
  write: `const r = await storage.put(Readable.from([Buffer.from(args[1])]), { project: args[0], key: args[2] });
  console.log(JSON.stringify(r));`,
  /** location, sha256: prints the object's bytes, checked. */
  read: `const chunks = [];
  for await (const c of await storage.get(args[0], { sha256: args[1] })) chunks.push(c);
  console.log(Buffer.concat(chunks).toString());`,
  /** location, project, the object's file: prints what reading, listing and changing it gave. */
  probe: `console.log(JSON.stringify({
  get: await attempt(storage.get(args[0]).then((s) => s.toArray()).then(() => 'read')),
  list: await attempt(storage.list(args[1]).then((l) => l.length + ' objects')),
  change: await attempt(fs.appendFile(args[2], 'x').then(() => 'changed')),
}));`,
} as const;
