// How backups are compressed on their way to the storage and back: the zstd tool when the guest
// has it (fast, multi-threaded), gzip through node:zlib otherwise. The record keeps which one.

import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { Duplex, PassThrough, type Transform, type Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { RestoreFailed } from '@cellar/plugin-api';

export type Compression = 'zstd' | 'gzip' | 'none';

/** Where the zstd tool is on PATH, or undefined. */
export async function findZstd(path = process.env['PATH'] ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const file = join(dir, 'zstd');
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

/**
 * A child process as a stream: bytes written go to its standard input, its standard output is
 * read. It ends only once the process exited with status 0; otherwise it errors with the status
 * and the last line the process wrote to standard error. Destroying it kills the process.
 */
class ProcessFilter extends Duplex {
  readonly #child;
  #stderr = '';
  #outputEnded = false;
  #exit: number | null | undefined;

  constructor(file: string, args: readonly string[]) {
    super();
    const name = file.split('/').at(-1) ?? file;
    this.#child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const { stdin, stdout, stderr } = this.#child;
    stderr.on(
      'data',
      (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-2000)),
    );
    stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stdout.on('end', () => {
      this.#outputEnded = true;
      this.#settle(name);
    });
    // The process closing its input early shows in its exit status; that is the error to tell.
    stdin.on('error', () => undefined);
    this.#child.on('error', (error) => this.destroy(error));
    this.#child.on('exit', (code, signal) => {
      this.#exit = code ?? (signal ? -1 : null);
      this.#settle(name);
    });
  }

  /** The process's standard-input pipe, for a tool spawned to write into it directly. */
  get input(): Writable {
    return this.#child.stdin;
  }

  #settle(name: string): void {
    if (this.#exit === undefined || !this.#outputEnded || this.destroyed) return;
    if (this.#exit === 0) {
      this.push(null);
      return;
    }
    const line = this.#stderr.trim().split('\n').at(-1) ?? '';
    this.destroy(
      new Error(`${name} exited with status ${String(this.#exit)}${line ? `: ${line}` : ''}`),
    );
  }

  override _read(): void {
    this.#child.stdout.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.#child.stdin.write(chunk, (error) => done(error ?? null));
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#child.stdin.end(() => done());
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.#exit === undefined) this.#child.kill('SIGKILL');
    done(error);
  }
}

/** The stream a backup's raw bytes are compressed through. */
export function compressor(kind: Compression, zstd?: string): Duplex | Transform {
  if (kind === 'zstd') {
    if (zstd === undefined) throw new Error('zstd compression needs the zstd tool');
    return new ProcessFilter(zstd, ['-q', '-3', '-T0', '-c']);
  }
  return kind === 'gzip' ? createGzip({ level: 6 }) : new PassThrough();
}

/**
 * zstd compressing what a strategy's tool writes into its stdin pipe: `compressed` is its output,
 * erroring with its exit status; destroying `compressed` kills it.
 */
export function zstdCompressInto(zstd: string): { stdin: Writable; compressed: Duplex } {
  const filter = new ProcessFilter(zstd, ['-q', '-3', '-T0', '-c']);
  return { stdin: filter.input, compressed: filter };
}

/** The stream a stored backup is decompressed through, by the compression its record names. */
export function decompressor(
  backup: string,
  kind: string | undefined,
  zstd?: string,
): Duplex | Transform {
  switch (kind ?? 'none') {
    case 'zstd':
      if (zstd === undefined)
        throw new RestoreFailed({
          backup,
          reason: 'it is compressed with zstd, and this guest has no zstd tool on its PATH',
        });
      return new ProcessFilter(zstd, ['-q', '-d', '-c']);
    case 'gzip':
      return createGunzip();
    case 'none':
      return new PassThrough();
    default:
      throw new RestoreFailed({
        backup,
        reason: `its compression '${kind}' is not one Cellar knows`,
      });
  }
}
