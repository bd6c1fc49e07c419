// Waiting in tests on a condition with a deadline, never for a fixed time: the wait ends as soon
// as the condition holds, and a condition that never holds fails the test saying what it was.

import type { ChildProcess } from 'node:child_process';

export interface WaitOptions {
  /** How long the condition may take, in milliseconds. */
  readonly timeout: number;
  /** What is awaited, in words for the failure ("the instance to be ACTIVE"). */
  readonly what: string;
  /** How often the condition is checked, in milliseconds. */
  readonly interval?: number;
}

/** What a condition answers: not yet (undefined, null or false), or the value awaited. */
type Outcome<T> = T | undefined | null | false;

/**
 * Calls `condition` until it returns a value other than undefined, null or false, and resolves
 * with that value; rejects naming `what` once `timeout` has passed.
 * An error thrown by `condition` ends the wait at once.
 */
export async function waitFor<T>(
  condition: () => Outcome<T> | Promise<Outcome<T>>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeout;
  const interval = options.interval ?? 100;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${options.timeout} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Resolves with the exit code once `child` has exited, or rejects naming `what` after `timeout` ms. */
export function exitWithin(
  child: ChildProcess,
  timeout: number,
  what: string,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} was still running ${timeout} ms later`)),
      timeout,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
