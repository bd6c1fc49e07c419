// Where a client is in the change log: the (transaction, sequence) key of the last change it got,
// sent as an event's `id:` and taken back from Last-Event-ID. Opaque to clients.

import { BadRequest } from '@cellar/plugin-api';

export interface EventCursor {
  /** PostgreSQL's transaction id of the change; 0 on SQLite. */
  readonly tx: number;
  readonly seq: number;
}

/** Before every change: a stream that starts here gets the whole log kept. */
export const ORIGIN: EventCursor = { tx: 0, seq: 0 };

export const formatCursor = (c: EventCursor): string => `${c.tx}.${c.seq}`;

/** The cursor a Last-Event-ID names; 400 naming the expected form for anything else. */
export function parseCursor(text: string): EventCursor {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(text.trim());
  if (!match)
    throw new BadRequest({
      reason: `Last-Event-ID '${text.slice(0, 64)}' is not an event id of this stream: send back the id: of the last event received, such as 0.42`,
    });
  return { tx: Number(match[1]), seq: Number(match[2]) };
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export const compareCursors = (a: EventCursor, b: EventCursor): number =>
  a.tx === b.tx ? a.seq - b.seq : a.tx - b.tx;
