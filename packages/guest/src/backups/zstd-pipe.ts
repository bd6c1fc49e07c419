// A stored zstd object decompressed by the zstd tool straight into a restore tool's stdin: the
// agent feeds zstd the compressed bytes (hashing them on the way) and never copies the plain ones.

import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Spawns zstd writing into `stdin` (a child's standard-input pipe, whose descriptor zstd is
 * given), closes the agent's end of it, and feeds zstd `stored`. Resolves once `stored` ended
 * (its checksum held) and zstd exited with status 0; rejects with `stored`'s error first, then
 * with zstd's exit status and last stderr line. An abort of `signal` kills zstd.
 */
export async function zstdInto(
  zstd: string,
  stored: Readable,
  stdin: Writable,
  signal: AbortSignal,
): Promise<void> {
  const child = spawn(zstd, ['-q', '-d', '-c'], { stdio: ['pipe', stdin, 'pipe'] });
  // zstd holds the pipe now: the reading tool sees its end when zstd exits.
  stdin.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const kill = (): boolean => child.kill('SIGKILL');
  signal.addEventListener('abort', kill, { once: true });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      signal.removeEventListener('abort', kill);
      if (code === 0) return resolve();
      const line = stderr.trim().split('\n').at(-1) ?? '';
      reject(
        new Error(`zstd exited with ${killedBy ?? `status ${code}`}${line ? `: ${line}` : ''}`),
      );
    });
  });
  const fed = pipeline(stored, child.stdin).catch((error: unknown) => {
    kill();
    throw error;
  });
  const [input, output] = await Promise.allSettled([fed, exited]);
  // zstd failing first breaks its input pipe: its own status says why.
  const broken =
    input.status === 'rejected' && (input.reason as NodeJS.ErrnoException).code === 'EPIPE';
  if (input.status === 'rejected' && !broken) throw input.reason;
  if (output.status === 'rejected') throw output.reason;
  if (input.status === 'rejected') throw input.reason;
}
