// PostgreSQL's client tools as a backup or restore runs them, as the server's OS user: their
// stdout streamed (or stdin fed), their stderr kept for the error, stopped when the run is aborted.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { spawnOptions, type Spawning } from '@cellar/plugin-api/processes';

/** How long a tool may take to go after SIGTERM before it is killed. */
const KILL_AFTER_MS = 5_000;

/** What a tool said on stderr, kept for its facts and its failure. */
export class ToolOutput {
  readonly lines: string[] = [];

  constructor(child: ChildProcess) {
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((l) => l.trim() !== ''));
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    });
    child.stderr?.on('end', () => {
      if (partial.trim() !== '') this.lines.push(partial);
    });
  }

  /** The line that says why it failed: its last error, else its last line. */
  lastError(): string {
    const errors = this.lines.filter((l) => /error|fatal|panic/i.test(l));
    return (errors.at(-1) ?? this.lines.at(-1) ?? '(nothing on stderr)').trim();
  }
}

const reasonOf = (signal: AbortSignal): string =>
  signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');

/** Ends the tool when the run is aborted: SIGTERM, then SIGKILL if it lingers. */
function stopOnAbort(child: ChildProcess, signal: AbortSignal): () => void {
  const stop = (): void => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return () => signal.removeEventListener('abort', stop);
}

/** How a tool ended: resolved on status 0, else rejected with its status and last error line. */
function exited(
  child: ChildProcess,
  name: string,
  output: ToolOutput,
  signal: AbortSignal,
): Promise<void> {
  const forget = stopOnAbort(child, signal);
  return new Promise<void>((resolve, reject) => {
    child.on('error', (error) => {
      forget();
      reject(new Error(`${name} could not be started: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, killedBy) => {
      forget();
      if (signal.aborted) reject(new Error(`${name} was stopped: ${reasonOf(signal)}`));
      else if (code === 0) resolve();
      else
        reject(
          new Error(`${name} exited with ${killedBy ?? `status ${code}`}: ${output.lastError()}`),
        );
    });
  });
}

export interface ToolStream {
  readonly stream: Readable;
  /** Resolves with its stderr once it exited with status 0 and its stdout was read to the end. */
  readonly done: Promise<readonly string[]>;
  readonly pid: number | undefined;
}

/** Runs a tool whose stdout is the backup. */
export function streamTool(
  program: string,
  args: readonly string[],
  spawning: Spawning,
  signal: AbortSignal,
): ToolStream {
  const name = program.slice(program.lastIndexOf('/') + 1);
  const child = spawn(program, args, {
    ...spawnOptions(spawning),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new ToolOutput(child);
  const stream = child.stdout;
  const done = exited(child, name, output, signal).then(async () => {
    await finished(stream);
    return output.lines;
  });
  // The agent awaits done after the stream; until then a failure must not go unhandled.
  done.catch(() => undefined);
  return { stream, done, pid: child.pid };
}

/**
 * Runs a tool whose stdout is the backup, written straight into `stdout` (a compressor's
 * standard-input pipe) rather than read by the agent. Done settles on the tool's exit alone: the
 * agent does not read its output, the compressor does.
 */
export function pipeTool(
  program: string,
  args: readonly string[],
  spawning: Spawning,
  stdout: Writable,
  signal: AbortSignal,
): Omit<ToolStream, 'stream'> {
  const name = program.slice(program.lastIndexOf('/') + 1);
  const child = spawn(program, args, {
    ...spawnOptions(spawning),
    stdio: ['ignore', stdout, 'pipe'],
  });
  const output = new ToolOutput(child);
  const done = exited(child, name, output, signal).then(() => output.lines);
  done.catch(() => undefined);
  return { done, pid: child.pid };
}

/** Runs a tool fed `input` on stdin (tar extracting a backup); an input error stops it. */
export async function feedTool(
  program: string,
  args: readonly string[],
  spawning: Spawning,
  input: Readable,
  signal: AbortSignal,
): Promise<void> {
  const name = program.slice(program.lastIndexOf('/') + 1);
  const child = spawn(program, args, {
    ...spawnOptions(spawning),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const output = new ToolOutput(child);
  const ended = exited(child, name, output, signal);
  ended.catch(() => undefined);
  try {
    if (child.stdin === null) throw new Error(`${name} has no stdin`);
    await pipeline(input, child.stdin, { signal });
  } catch (error) {
    // The tool ended first: its own error says why.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') await ended;
    // The input failed (a checksum mismatch at its end): what the tool made of it is not used.
    child.kill('SIGKILL');
    await ended.catch(() => undefined);
    throw error;
  }
  await ended;
}

/**
 * Runs a tool whose stdin `fill` writes into by a process of its own (a restore piece's pipeTo),
 * so the bytes never pass through the agent. A failure of `fill` stops the tool; when the tool
 * had already failed, its own error says why.
 */
export async function fillTool(
  program: string,
  args: readonly string[],
  spawning: Spawning,
  fill: (stdin: Writable) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const name = program.slice(program.lastIndexOf('/') + 1);
  const child = spawn(program, args, {
    ...spawnOptions(spawning),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const output = new ToolOutput(child);
  const ended = exited(child, name, output, signal);
  ended.catch(() => undefined);
  try {
    if (child.stdin === null) throw new Error(`${name} has no stdin`);
    await fill(child.stdin);
  } catch (error) {
    const failedFirst = child.exitCode !== null && child.exitCode !== 0;
    child.kill('SIGKILL');
    const own = await ended.then(
      () => undefined,
      (e: unknown) => e,
    );
    throw failedFirst && own !== undefined ? own : error;
  }
  await ended;
}
