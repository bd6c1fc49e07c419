// A client of the API's event stream for tests, as a program would follow it: fetch with the
// token (and Last-Event-ID to resume), events parsed by eventsource-parser as they arrive.

import { createParser } from 'eventsource-parser';

export interface StreamEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: Record<string, unknown>;
}

export class EventStreamClient {
  readonly events: StreamEvent[] = [];
  readonly comments: string[] = [];
  #wake: () => void = () => undefined;
  #ended = false;

  private constructor(
    readonly status: number,
    private readonly abort: AbortController,
  ) {}

  /** Opens `url` with `headers`; a refusal is a client with its status and no events. */
  static async open(url: string, headers: Record<string, string>): Promise<EventStreamClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers, signal: abort.signal });
    const client = new EventStreamClient(response.status, abort);
    if (response.ok && response.body) void client.#read(response.body);
    else {
      client.body = await response.text();
      client.#ended = true;
    }
    return client;
  }

  /** A refusal's body. */
  body = '';

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: (e) => {
        this.events.push({
          id: e.id,
          event: e.event,
          data: JSON.parse(e.data) as Record<string, unknown>,
        });
        this.#wake();
      },
      onComment: (comment) => {
        this.comments.push(comment.trim());
        this.#wake();
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted by close(), or the server ended the stream: either way it is over.
    }
    this.#ended = true;
    this.#wake();
  }

  /** Whether the server has ended the stream (or close() was called). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The first event (from the start) that satisfies `predicate`, waiting up to `timeoutMs`. */
  async until(
    predicate: (e: StreamEvent) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended)
        throw new Error(
          `no event ${what} within ${timeoutMs} ms${this.#ended ? ' (the stream ended)' : ''}; got ${JSON.stringify(this.events.map((e) => [e.id, e.event, e.data['status'] ?? e.data['deleted']]))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}
