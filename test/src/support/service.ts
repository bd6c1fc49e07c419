// A control-plane service (cellar-api, cellar-taskmanager, cellar-conductor) in a child process,
// as a supervisor starts it: resolved once it says it is running, its output kept for failures.

import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './repo.js';

export interface Service {
  readonly child: ChildProcess;
  /** What it wrote to standard output, and the end of what it wrote to standard error. */
  output(): string;
}

/** `settings` are `group.option=value` lines for --set. */
export function startService(tool: string, settings: readonly string[]): Promise<Service> {
  const child = spawn(
    process.execPath,
    [`${repoRoot}packages/cli/bin/${tool}.js`, ...settings.flatMap((s) => ['--set', s])],
    {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const output = (): string => `${out}\n${err}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${tool} did not start:\n${output()}`));
    }, 30_000);
    child.stdout?.on('data', () => {
      if (!out.includes('is running')) return;
      clearTimeout(timer);
      resolve({ child, output });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${tool} exited with ${String(code)}:\n${output()}`));
    });
  });
}
