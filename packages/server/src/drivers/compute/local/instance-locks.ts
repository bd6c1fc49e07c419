// One thing at a time per instance, and patience for guests that keep failing: a revival never
// races a create or a delete, and a guest that will not start is tried less and less often.

/** The longest wait between attempts to start again a guest that keeps failing. */
const MAX_RESTART_DELAY_S = 300;

export class InstanceLocks {
  /** Per instance, the create, delete or restart of its guest under way: the next waits for it. */
  readonly #busy = new Map<string, Promise<unknown>>();

  /** Runs work for one instance after what is under way for it. */
  exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#busy.get(id) ?? Promise.resolve()).then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#busy.set(id, settled);
    void settled.then(() => {
      if (this.#busy.get(id) === settled) this.#busy.delete(id);
    });
    return result;
  }
}

/** Guests that would not start again: how many times in a row, and when to try next. */
export class RestartBackOff {
  readonly #failing = new Map<string, { failures: number; notBefore: number }>();

  /** Whether an attempt for this instance should wait (only when backing off). */
  waiting(id: string): boolean {
    const failing = this.#failing.get(id);
    return failing !== undefined && Date.now() < failing.notBefore;
  }

  /** Notes a failure; answers how many in a row and the seconds until the next attempt. */
  failed(id: string): { failures: number; delay: number } {
    const failures = (this.#failing.get(id)?.failures ?? 0) + 1;
    const delay = Math.min(MAX_RESTART_DELAY_S, 2 ** (failures - 1));
    this.#failing.set(id, { failures, notBefore: Date.now() + delay * 1000 });
    return { failures, delay };
  }

  succeeded(id: string): void {
    this.#failing.delete(id);
  }
}
