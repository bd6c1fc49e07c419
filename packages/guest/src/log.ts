// The guest agent's log: one JSON object per line, appended to guest.log in the log directory.
// Small on purpose; the agent carries no logging library.

import { appendFileSync } from 'node:fs';
import type { GuestLogger } from '@cellar/plugin-api';

type Level = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Errors as their code, message and stack, which JSON.stringify would drop. */
function plain(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack };
}

/** Appends to a file: the agent's guest.log. */
export const fileLogger = (file: string, debug: boolean): GuestLogger =>
  lineLogger((line) => {
    try {
      appendFileSync(file, line);
    } catch {
      // A full or vanished log directory must not take the agent down.
    }
  }, debug);

/** Writes to standard error: a standby's, which is its output file until it has an instance. */
export const stderrLogger = (): GuestLogger =>
  lineLogger((line) => process.stderr.write(line), false);

function lineLogger(sink: (line: string) => void, debug: boolean): GuestLogger {
  const write = (
    level: Level,
    message: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void => {
    if (!debug && level === 'debug') return;
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: rank[level],
      msg: message,
    };
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = plain(v);
    sink(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
