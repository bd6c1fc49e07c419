// The event streams of one API process: each client's stream of its project's changes, fed by
// the process's one ChangePoller, with its backlog after Last-Event-ID, keep-alive comments, and
// the pruning of changes older than the day a client may resume after.

import type { InstanceDeps } from '../instances/deps.js';
import type { ViewContext } from '../instances/views.js';
import { ChangeLog } from './change-log.js';
import { ClientStream, type EventSink } from './client-stream.js';
import { ORIGIN, compareCursors, parseCursor, type EventCursor } from './cursor.js';
import { ChangePoller } from './poller.js';
import { EventRenderer } from './render.js';
import { SilenceWatch } from './silence-watch.js';

export interface EventStreamOptions {
  /** Between comments that keep idle connections (and proxies) open. */
  readonly keepAliveMs: number;
  /** Between looks at the change stamp while a stream is open. */
  readonly tickMs: number;
  /** How long changes are kept for clients to resume after. */
  readonly retentionMs: number;
  readonly onError: (error: unknown) => void;
}

export const defaultStreamOptions = {
  keepAliveMs: 15_000,
  tickMs: 250,
  retentionMs: 24 * 3600_000,
} as const;

const BACKLOG_PAGE = 500;
const PRUNE_EVERY_MS = 10 * 60_000;
const SILENCE_CHECK_MS = 2000;

export class EventStreams {
  readonly #log: ChangeLog;
  readonly #poller: ChangePoller;
  readonly #renderer: EventRenderer;
  readonly #open = new Set<ClientStream>();
  readonly #pruning: NodeJS.Timeout;
  #watching: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: InstanceDeps,
    private readonly options: EventStreamOptions,
  ) {
    this.#log = new ChangeLog(deps.db);
    this.#poller = new ChangePoller(this.#log, deps.changeStamp, options);
    this.#renderer = new EventRenderer(deps);
    this.#pruning = setInterval(() => void this.#prune(), PRUNE_EVERY_MS).unref();
  }

  /** The cursor a Last-Event-ID header names (400 when it names none); undefined without one. */
  cursorOf(lastEventId: string | undefined): EventCursor | undefined {
    return lastEventId === undefined || lastEventId === '' ? undefined : parseCursor(lastEventId);
  }

  /**
   * Starts `project`'s stream into `sink`: the changes after `after` (from now when absent), then
   * each change as it is committed, until `end()` of the returned stream or `close()`.
   */
  async open(
    project: string,
    view: ViewContext,
    after: EventCursor | undefined,
    sink: EventSink,
  ): Promise<ClientStream> {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const from = after === undefined ? undefined : await this.#resumeFrom(after);
    const { onError } = this.options;
    const stream = new ClientStream(project, view, sink, this.#renderer, onError, from, gate);
    const subscription = await this.#poller.subscribe((changes) => stream.enqueue(changes));
    this.#open.add(stream);
    if (this.#open.size === 1) this.#watchSilences();
    const keepAlive = setInterval(() => stream.keepAlive(), this.options.keepAliveMs);
    stream.onEnd(() => {
      clearInterval(keepAlive);
      subscription.unsubscribe();
      this.#open.delete(stream);
      if (this.#open.size === 0) this.#stopWatching();
    });
    try {
      if (from === undefined) stream.startAt(subscription.head);
      else await this.#backlog(stream, from, subscription.head);
    } catch (error) {
      stream.end();
      throw error;
    } finally {
      release();
    }
    return stream;
  }

  /** Ends every stream and stops polling: the API is closing. */
  close(): void {
    clearInterval(this.#pruning);
    this.#stopWatching();
    for (const stream of [...this.#open]) stream.end();
    this.#poller.close();
  }

  /**
   * Where a resuming client starts: after its cursor while that change is kept; from the oldest
   * change kept when it was pruned (the client was away longer than the retention).
   */
  async #resumeFrom(after: EventCursor): Promise<EventCursor> {
    if (compareCursors(after, ORIGIN) === 0 || (await this.#log.has(after))) return after;
    return ORIGIN;
  }

  /** What the project changed after `from` up to `head`, where the live changes take over. */
  async #backlog(stream: ClientStream, from: EventCursor, head: EventCursor): Promise<void> {
    let at = from;
    while (!stream.ended) {
      const changes = await this.#log.after(at, {
        project: stream.project,
        upTo: head,
        limit: BACKLOG_PAGE,
      });
      const last = changes.at(-1);
      if (last === undefined) return;
      await stream.send(changes);
      at = last.cursor;
      if (changes.length < BACKLOG_PAGE) return;
    }
  }

  /** Guests falling silent change what clients see without a write: noticed while they watch. */
  #watchSilences(): void {
    const watch = new SilenceWatch(this.deps.db, this.#log, this.deps.heartbeatExpiry);
    this.#watching = setInterval(() => {
      watch.check().catch(this.options.onError);
    }, SILENCE_CHECK_MS);
  }

  #stopWatching(): void {
    clearInterval(this.#watching);
    this.#watching = undefined;
  }

  async #prune(): Promise<void> {
    try {
      await this.#log.prune(new Date(Date.now() - this.options.retentionMs).toISOString());
    } catch (error) {
      this.options.onError(error);
    }
  }
}
