// What the agent remembers of each log between publishes, in <runDir>/guest-logs.json: the bytes
// published since the last discard and how far into the log's file they reached.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const logRecord = Type.Object({
  /** Bytes stored in the backup storage since the last discard. */
  published: Type.Integer({ minimum: 0 }),
  /** Where in the log's file the next publish starts. */
  offset: Type.Integer({ minimum: 0 }),
  /**
   * SHA-256 of the file's first bytes (up to HEAD_BYTES, at most `offset`) when it was published:
   * a file rotated by copy and truncation keeps its inode and may have grown past the offset again,
   * so only its beginning tells it apart.
   */
  head: Type.Optional(Type.String()),
});
const stateFile = Type.Object({ logs: Type.Record(Type.String(), logRecord) });

export type LogRecord = Static<typeof logRecord>;

export const unpublished: LogRecord = { published: 0, offset: 0 };

/** The bookkeeping of every log, read once and written whole after each change. */
export class LogState {
  readonly #file: string;
  #logs?: Record<string, LogRecord>;

  constructor(runDir: string) {
    this.#file = join(runDir, 'guest-logs.json');
  }

  async get(name: string): Promise<LogRecord> {
    return (await this.#read())[name] ?? unpublished;
  }

  async set(name: string, record: LogRecord): Promise<void> {
    const logs = { ...(await this.#read()), [name]: record };
    const temporary = `${this.#file}.new`;
    await writeFile(temporary, `${JSON.stringify({ logs })}\n`, { mode: 0o600 });
    await rename(temporary, this.#file);
    this.#logs = logs;
  }

  async #read(): Promise<Record<string, LogRecord>> {
    if (this.#logs) return this.#logs;
    const text = await readFile(this.#file, 'utf8').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return (this.#logs = {});
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    // A damaged file costs only the bookkeeping: the next publish starts from the beginning.
    this.#logs = Value.Check(stateFile, parsed) ? { ...parsed.logs } : {};
    return this.#logs;
  }
}
