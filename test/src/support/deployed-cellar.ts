// `cellar` from the repository for a deployment root other than the repository's own (an
// installed third-party plugin's): resolved once its banner says it runs, stopped with SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

/** `cellar <args>` from the repository, resolved once its banner says it runs. */
export function startCellar(args: readonly string[], cwd: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'packages', 'cli', 'bin', 'cellar.js'), ...args],
    {
      cwd,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`cellar up did not start:\n${out}\n${err}`));
    }, 30_000);
    child.stdout.on('data', () => {
      if (!out.includes('Stop with Ctrl-C.')) return;
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cellar up exited with ${String(code)}:\n${out}\n${err}`));
    });
  });
}

export async function stopCellar(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
