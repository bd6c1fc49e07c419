// How a guest agent notices that nobody holds it any more. A standby is held by its control
// plane's end of the IPC channel: the kernel closes it when that process dies, even by SIGKILL.
// A serving agent outlives the control plane, and is held by its instance's files instead.

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestLogger } from '@cellar/plugin-api';

/** How often the channel and the instance's files are looked at: well within the 10 s promised. */
const CHECK_MS = 2000;

export interface StandbyWork {
  /** The work directory, and the file standard output and error go to. */
  readonly dir: string;
  readonly output?: string | undefined;
  /** The standby runs as an OS user of its own: what that user owns in /dev/shm is its own. */
  readonly ownUser: boolean;
}

/**
 * Calls `leave` once when the standby's control plane is gone: its IPC channel closed (or already
 * closed when this is called, a control plane killed while the agent was loading). The returned
 * function stops watching, for a standby given an instance.
 */
export function watchStandbyChannel(leave: () => void): () => void {
  let left = false;
  const once = (): void => {
    if (left) return;
    left = true;
    stop();
    leave();
  };
  process.once('disconnect', once);
  const timer = setInterval(() => {
    if (!process.connected) once();
  }, CHECK_MS);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    process.off('disconnect', once);
  };
  if (!process.connected) once();
  return stop;
}

/**
 * What a standby removes when it ends unassigned: its work directory and output, and the shared
 * memory segments of its user (an initdb's bootstrap server killed half way leaves them).
 */
export async function removeStandbyWork(work: StandbyWork): Promise<void> {
  await rm(work.dir, { recursive: true, force: true }).catch(() => undefined);
  if (work.output !== undefined) await rm(work.output, { force: true }).catch(() => undefined);
  const uid = process.getuid?.();
  if (!work.ownUser || uid === undefined || uid === 0) return;
  for (const entry of await readdir('/dev/shm').catch(() => [])) {
    const path = join('/dev/shm', entry);
    if ((await stat(path).catch(() => undefined))?.uid === uid)
      await rm(path, { force: true }).catch(() => undefined);
  }
}

/**
 * Calls `gone` once when one of the files the agent was started with (its configuration, which
 * the compute driver removes with the instance) no longer exists: its instance was deleted while
 * nobody could stop this agent. Answers what stops the watch.
 */
export function watchInstanceFiles(
  files: readonly string[],
  log: GuestLogger,
  gone: () => Promise<void>,
  checkMs = CHECK_MS,
): () => void {
  let ended = false;
  const timer = setInterval(() => {
    void (async () => {
      for (const file of files) {
        const missing = await stat(file).then(
          () => false,
          (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT',
        );
        if (!missing || ended) continue;
        ended = true;
        clearInterval(timer);
        log.warn('the instance of this guest agent was deleted; it stops its database and exits', {
          file,
        });
        await gone();
        return;
      }
    })();
  }, checkMs);
  timer.unref();
  return () => clearInterval(timer);
}
