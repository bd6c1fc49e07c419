// A configuration group's values on a PostgreSQL instance: kept as JSON on the volume, rendered
// into cellar-overrides.conf in the data directory, which postgresql.conf includes after Cellar's
// own cellar.conf so the group's values win, and the server reads at every start and reload.

import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BadRequest,
  ConfigurationParameterRefused,
  type GuestContext,
  type Json,
} from '@cellar/plugin-api';
import { writeOwned, type OsUser } from '@cellar/plugin-api/processes';
import { message, pgCode, type AdminSession } from './admin-session.js';
import { confString, INCLUDE_LINE } from './config.js';

export const OVERRIDES_CONF = 'cellar-overrides.conf';
export const OVERRIDES_INCLUDE = `include_if_exists = '${OVERRIDES_CONF}'`;

export type Overrides = Readonly<Record<string, Json>>;
type Values = Record<string, string | number | boolean>;

/** A parameter name as pg_settings spells them (a dot for an extension's own). */
const parameterName = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** One value in postgresql.conf's syntax; refuses what is no value, naming the parameter. */
export function confValue(name: string, value: Json): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return confString(value);
  throw new BadRequest({
    reason: `The value of ${name} must be a string, a number or true/false, not ${JSON.stringify(value)}.`,
  });
}

function checkName(name: string): void {
  if (!parameterName.test(name))
    throw new BadRequest({
      reason: `'${name}' is not a PostgreSQL parameter name (letters, digits and underscores).`,
    });
}

/** The set without nulls, every name and value checked: nothing half-written on bad input. */
export function checkedValues(overrides: Overrides): Values {
  const values: Values = {};
  for (const [name, value] of Object.entries(overrides)) {
    checkName(name);
    if (value === null) continue;
    confValue(name, value);
    values[name] = value as string | number | boolean;
  }
  return values;
}

/** cellar-overrides.conf for a set of values, one `name = value` a line. */
export function renderOverrides(values: Values): string {
  const lines = Object.entries(values).map(
    ([name, value]) => `${name} = ${confValue(name, value)}`,
  );
  return [
    "# The instance's configuration group, written by the Cellar guest agent; edits are lost.",
    ...lines,
    '',
  ].join('\n');
}

export interface OverridesHost {
  readonly context: GuestContext;
  readonly dataDir: string;
  readonly sql: AdminSession;
  user(): Promise<OsUser | undefined>;
  /** Rereads the configuration and waits until the server has. */
  reload(): Promise<void>;
  running(): boolean;
}

export class PgOverrides {
  constructor(private readonly host: OverridesHost) {}

  get #store(): string {
    return join(this.host.context.mountPoint, 'cellar-overrides.json');
  }

  async stored(): Promise<Values> {
    if (!existsSync(this.#store)) return {};
    return JSON.parse(await readFile(this.#store, 'utf8')) as Values;
  }

  /** Keeps `values` as the whole set and writes the file into `dataDir`, included last. */
  async write(dataDir: string, overrides: Overrides): Promise<void> {
    const values = checkedValues(overrides);
    const user = await this.host.user();
    await writeOwned(join(dataDir, OVERRIDES_CONF), renderOverrides(values), user);
    await writeOwned(this.#store, `${JSON.stringify(values)}\n`, user);
    const main = join(dataDir, 'postgresql.conf');
    const lines = (await readFile(main, 'utf8')).split('\n');
    // After Cellar's own include, so the group's values win over the flavor's.
    if (
      !lines.includes(OVERRIDES_INCLUDE) ||
      lines.lastIndexOf(INCLUDE_LINE) > lines.lastIndexOf(OVERRIDES_INCLUDE)
    )
      await appendFile(
        main,
        `\n# The configuration group's values, after Cellar's.\n${OVERRIDES_INCLUDE}\n`,
      );
  }

  /** update_overrides: the whole set, or none with `remove`; read at the next start or reload. */
  async update(overrides: Overrides, remove: boolean): Promise<void> {
    await this.write(this.host.dataDir, remove ? {} : overrides);
  }

  /**
   * apply_overrides: these values into the kept set (null drops one, so the server goes back to
   * its value without the group), then a reload; fails naming a parameter the server refused.
   */
  async apply(overrides: Overrides): Promise<void> {
    checkedValues(overrides);
    const merged: Record<string, Json> = { ...(await this.stored()) };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    await this.write(this.host.dataDir, merged);
    if (!this.host.running()) return;
    await this.host.reload();
    await this.#checkApplied(overrides);
  }

  /** pg_file_settings reads the files again and says which line the server could not apply. */
  async #checkApplied(overrides: Overrides): Promise<void> {
    const names = Object.keys(overrides);
    const { rows } = await this.host.sql.query<{ name: string; error: string }>(
      `SELECT name, error FROM pg_file_settings
        WHERE sourcefile LIKE '%/' || $1 AND error IS NOT NULL AND name = ANY($2::text[])`,
      [OVERRIDES_CONF, names],
    );
    const refused = rows[0];
    if (refused === undefined) return;
    const value = overrides[refused.name] ?? null;
    throw new ConfigurationParameterRefused({
      datastore: 'postgresql',
      instance: this.host.context.guestId,
      parameter: refused.name,
      value: JSON.stringify(value),
      reason: await this.#why(refused.name, value, refused.error),
    });
  }

  /** The server's own words for a refused value, where a trial SET in a session can draw them. */
  async #why(name: string, value: Json, fallback: string): Promise<string> {
    if (typeof value === 'object') return fallback;
    const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    try {
      // A session of its own, ended at once: the trial value goes with it.
      await this.host.sql.inSession('postgres', 'SELECT set_config($1, $2, false)', [name, text]);
      return fallback;
    } catch (error) {
      // 55P02: the parameter cannot be set in a session: the file's error is all there is.
      return pgCode(error) === '55P02' ? fallback : message(error);
    }
  }
}
