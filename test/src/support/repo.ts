// Paths of the repository and a way to run its command-line tools as a user would.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <repo>/packages/cli/bin/<tool>.js args…` and collects its output and exit code. */
export function runTool(tool: 'cellar' | 'cellar-manage', args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${repoRoot}packages/cli/bin/${tool}.js`, ...args],
      { cwd: options.cwd ?? repoRoot, env: options.env ?? { PATH: process.env['PATH'] ?? '' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The lines of one [section] of an INI text, up to the next section. */
export function section(text: string, name: string): string {
  const start = text.indexOf(`\n[${name}]\n`);
  if (start < 0) return '';
  const end = text.indexOf('\n[', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}
