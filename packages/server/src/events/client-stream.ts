// One client's event stream: the changes of its project after its cursor, each sent once, in
// order, with the resource as it is when sent; what changed several times while it waited is
// sent once, as it is now.

import type { ViewContext } from '../instances/views.js';
import type { Change } from './change-log.js';
import { ORIGIN, compareCursors, formatCursor, type EventCursor } from './cursor.js';
import type { EventRenderer } from './render.js';

/** Where the events go: an HTTP response, in the API. */
export interface EventSink {
  write(text: string): void;
  /** Bytes written and not yet sent. */
  readonly unsent: number;
  end(): void;
}

/**
 * A client that lets this much pile up is not reading: its stream ends, and it resumes where it
 * got to with Last-Event-ID once it reconnects.
 */
const MAX_UNSENT = 1024 * 1024;

/** The last change of each resource among `changes`, in log order. */
export function coalesce(changes: readonly Change[]): Change[] {
  const last = new Map<string, Change>();
  for (const change of changes) {
    const key = `${change.kind}\0${change.resource}`;
    last.delete(key);
    last.set(key, change);
  }
  return [...last.values()];
}

export const eventText = (change: Change, data: string): string =>
  `id: ${formatCursor(change.cursor)}\nevent: ${change.kind}\ndata: ${data}\n\n`;

export class ClientStream {
  #last: EventCursor;
  #queue: Promise<void>;
  #ended = false;
  readonly #onEnd: (() => void)[] = [];

  /** Nothing queued is sent before `gate` settles (the backlog goes first). */
  constructor(
    readonly project: string,
    private readonly view: ViewContext,
    private readonly sink: EventSink,
    private readonly renderer: Pick<EventRenderer, 'data'>,
    private readonly onError: (error: unknown) => void,
    from: EventCursor | undefined,
    gate: Promise<void>,
  ) {
    this.#last = from ?? ORIGIN;
    this.#queue = gate;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Queues the changes of this client's project (others are dropped) for sending. */
  enqueue(changes: readonly Change[]): void {
    const mine = changes.filter((c) => c.project === this.project);
    if (mine.length > 0) this.#queue = this.#queue.then(() => this.send(mine));
  }

  /** Sends the changes after the client's cursor; a failure ends the stream (it may resume). */
  async send(changes: readonly Change[]): Promise<void> {
    try {
      const after = this.#last;
      for (const change of coalesce(changes.filter((c) => compareCursors(c.cursor, after) > 0))) {
        if (this.#ended) return;
        const data = await this.renderer.data(change, { ...this.view, now: new Date() });
        if (this.#ended) return;
        this.sink.write(eventText(change, data));
        this.#last = change.cursor;
      }
      if (this.sink.unsent > MAX_UNSENT) this.end();
    } catch (error) {
      this.onError(error);
      this.end();
    }
  }

  /**
   * Starts a client that gave no cursor at `head`, and tells it so without an event (EventSource
   * keeps the id): should it reconnect before any event, it resumes from there.
   */
  startAt(head: EventCursor): void {
    this.#last = head;
    this.sink.write(`id: ${formatCursor(head)}\n\n`);
  }

  keepAlive(): void {
    if (!this.#ended) this.sink.write(': keep-alive\n\n');
  }

  onEnd(listener: () => void): void {
    this.#onEnd.push(listener);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const listener of this.#onEnd) listener();
    this.sink.end();
  }
}
