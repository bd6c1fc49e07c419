// Keeps the instance's log directory bounded. Its writers hold their files open in append mode —
// the agent's own guest.log, and a datastore server's output, which the server keeps until it
// restarts — so a file is rotated by copying it aside and truncating it in place: each writer
// goes on at the new end without being told. Lines written between the copy and the truncation
// are lost; that is the price of not restarting the database to reopen its log.

import { copyFile, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestLogger } from '@cellar/plugin-api';

/** A rotated copy: `guest.log.1` is the newest, `guest.log.<keep>` the oldest kept. */
const ROTATED = /\.\d+$/;

/**
 * Rotates every regular file directly in logDir that has grown past maxBytes, keeping `keep`
 * older copies of each. Returns the files rotated. A file that vanishes meanwhile is skipped.
 */
export async function rotateLogs(
  logDir: string,
  maxBytes: number,
  keep: number,
): Promise<string[]> {
  const rotated: string[] = [];
  for (const name of await readdir(logDir)) {
    if (ROTATED.test(name)) continue;
    const file = join(logDir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile() || info.size <= maxBytes) continue;
    if (keep > 0) {
      await rm(`${file}.${keep}`, { force: true });
      for (let n = keep - 1; n >= 1; n--)
        await rename(`${file}.${n}`, `${file}.${n + 1}`).catch(() => undefined);
      await copyFile(file, `${file}.1`);
    }
    await truncate(file, 0);
    rotated.push(name);
  }
  return rotated;
}

export interface LogRotation {
  readonly logDir: string;
  /** 0 never rotates. */
  readonly maxMb: number;
  readonly keep: number;
  readonly everySeconds: number;
}

/** Checks the log directory now and then every period; returns what stops it. */
export function keepLogsBounded(r: LogRotation, log: GuestLogger): () => void {
  if (r.maxMb === 0) return () => undefined;
  let running = false;
  const check = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const rotated = await rotateLogs(r.logDir, r.maxMb * 1024 * 1024, r.keep);
      if (rotated.length > 0)
        log.info('log files rotated', { files: rotated, maxMb: r.maxMb, keep: r.keep });
    } catch (error) {
      log.warn('the log directory could not be rotated', { err: error, logDir: r.logDir });
    } finally {
      running = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), r.everySeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
