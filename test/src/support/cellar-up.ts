// `cellar up` in a child process, as a user starts it: resolved once its banner says it runs,
// stopped with SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './repo.js';

export interface CellarUp {
  readonly child: ChildProcess;
  readonly banner: string;
  /** SIGTERM, and its exit code once it exits (null when it was already gone or was killed). */
  stop(): Promise<number | null>;
}

/** `settings` are `group.option=value` lines for --set. */
export function startCellarUp(settings: readonly string[]): Promise<CellarUp> {
  const child = spawn(
    process.execPath,
    [`${repoRoot}packages/cli/bin/cellar.js`, 'up', ...settings.flatMap((s) => ['--set', s])],
    {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`cellar up did not start:\n${out}\n${err}`));
    }, 30_000);
    child.stdout.on('data', () => {
      if (!out.includes('Stop with Ctrl-C.')) return;
      clearTimeout(timer);
      resolve({ child, banner: out, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cellar up exited with ${String(code)}:\n${out}\n${err}`));
    });
  });
}
