// The time of the last commit in an archived WAL segment, read with pg_waldump: it is what bounds
// a restore to a point in time (recovery stops at the first commit after its target).

import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { childEnvironment } from '@cellar/plugin-api/processes';

const COMMIT = /desc: (?:COMMIT|ABORT) (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? UTC/g;

/** The latest commit or abort time in pg_waldump's output, in ms (microseconds cut off). */
export function lastCommitIn(dump: string): number | undefined {
  let latest: number | undefined;
  for (const match of dump.matchAll(COMMIT)) {
    const fraction = (match[3] ?? '.000').slice(0, 4).padEnd(4, '0');
    const ms = Date.parse(`${match[1]}T${match[2]}${fraction}Z`);
    if (Number.isFinite(ms)) latest = Math.max(latest ?? ms, ms);
  }
  return latest;
}

/** pg_waldump's records of one segment file; its complaint at the segment's end is ignored. */
function waldump(binDir: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, 'pg_waldump'), [file], {
      cwd: '/',
      // UTC, so that the times it prints are read as the instants they are.
      env: childEnvironment({ extra: { TZ: 'UTC' } }),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** The last commit time in a gzipped segment, through a file in workDir removed after. */
export async function lastCommitOf(
  binDir: string,
  workDir: string,
  name: string,
  gzipped: Buffer,
): Promise<number | undefined> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const file = join(workDir, name);
  try {
    await writeFile(file, gunzipSync(gzipped), { mode: 0o600 });
    return lastCommitIn(await waldump(binDir, file));
  } finally {
    await rm(file, { force: true });
  }
}
