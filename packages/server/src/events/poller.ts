// One reader of the change log per API process, shared by every event stream it serves: it runs
// only while a stream is open, looks at the control database's change stamp every tick, reads the
// log only when the stamp has moved, and hands each new change to every listener.

import type { EventCursor } from './cursor.js';
import type { Change, ChangeLog } from './change-log.js';

export type ChangeListener = (changes: readonly Change[]) => void;

export interface Subscription {
  /** Where the listener starts: it gets every change after this one. */
  readonly head: EventCursor;
  readonly unsubscribe: () => void;
}

export interface PollerOptions {
  /** How often the change stamp is looked at while a stream is open. */
  readonly tickMs: number;
  /** Told when a look at the database fails; the next tick tries again. */
  readonly onError: (error: unknown) => void;
}

const PAGE = 500;

export class ChangePoller {
  #head: EventCursor | undefined;
  #stamp: string | undefined;
  readonly #listeners = new Set<ChangeListener>();
  #timer: NodeJS.Timeout | undefined;
  /** Subscribing and polling take turns, so a new listener never misses nor doubles a change. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: Pick<ChangeLog, 'head' | 'after'>,
    private readonly changeStamp: () => Promise<string>,
    private readonly options: PollerOptions,
  ) {}

  async subscribe(listener: ChangeListener): Promise<Subscription> {
    const head = await this.#inTurn(async () => {
      if (this.#head === undefined) {
        // The stamp first: a change made after it is read moves the stamp again.
        this.#stamp = await this.changeStamp();
        this.#head = await this.log.head();
      }
      this.#listeners.add(listener);
      return this.#head;
    });
    this.#timer ??= setInterval(() => void this.#tick(), this.options.tickMs);
    return { head, unsubscribe: () => this.#unsubscribe(listener) };
  }

  /** Whether it looks at the change stamp: only while a stream listens. */
  get polling(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops polling and forgets every listener (the API is closing). */
  close(): void {
    this.#listeners.clear();
    this.#stop();
  }

  #unsubscribe(listener: ChangeListener): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // Nobody follows the log now: the next subscriber starts from the head as it is then.
    this.#head = undefined;
  }

  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(work);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  async #tick(): Promise<void> {
    try {
      await this.#inTurn(() => this.#poll());
    } catch (error) {
      this.options.onError(error);
    }
  }

  async #poll(): Promise<void> {
    const from = this.#head;
    if (from === undefined || this.#listeners.size === 0) return;
    const stamp = await this.changeStamp();
    if (stamp === this.#stamp) return;
    let head = from;
    for (;;) {
      const changes = await this.log.after(head, { limit: PAGE });
      const last = changes.at(-1);
      if (last === undefined) break;
      head = last.cursor;
      for (const listener of this.#listeners) listener(changes);
      this.#head = head;
      if (changes.length < PAGE) break;
    }
    // Only once everything up to it is handed out: after a failed read, the next tick reads again.
    this.#stamp = stamp;
  }
}
