// Paths of the repository, running programs as a user would (exit code and output, never a
// rejection for a failing exit), and reading sections out of INI text.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from this compiled file's place (test/dist/support/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunResult {
  /** The exit code; null when the process was killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeout?: number;
}

/** Runs a program to its end and reports its exit code and output; never rejects on a failing exit. */
export function run(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeout ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error === null) resolve({ code: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
        // Timed out or killed: no exit code, but the output says how far it got.
        else if (error.killed === true || error.signal) resolve({ code: null, stdout, stderr });
        // It could not be started at all (ENOENT, EACCES, …).
        else reject(new Error(`could not run ${file}: ${error.message}`, { cause: error }));
      },
    );
  });
}

/** Runs `node <repo>/packages/cli/bin/<tool>.js args…` from the repository root with a bare environment. */
export function runTool(
  tool: 'cellar' | 'cellar-manage',
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return run(process.execPath, [`${repoRoot}packages/cli/bin/${tool}.js`, ...args], {
    cwd: repoRoot,
    env: options.env ?? { PATH: process.env['PATH'] ?? '' },
  });
}

/** The lines of one `[section]` of an INI text, header included, up to the next section. */
export function section(text: string, name: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf(`[${name}]`);
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && /^\[.*\]$/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
