// A configuration group's values on a Redis instance: kept as JSON on the volume and written last
// into the redis.conf rendered before every start (so they win over Cellar's own and survive
// restarts), and applied to the running server with CONFIG SET.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BadRequest,
  ConfigurationParameterRefused,
  type GuestContext,
  type Json,
} from '@cellar/plugin-api';
import { writeOwned, type OsUser } from '@cellar/plugin-api/processes';
import { message, type AdminSession } from './admin-session.js';
import { quoted } from './config.js';
import { defaultsOf } from './parameters/index.js';
import { installedVersions } from './server.js';

export type Overrides = Readonly<Record<string, Json>>;
type Values = Record<string, string | number | boolean>;

/** Where the group's lines begin in redis.conf: what is above is Cellar's own. */
export const GROUP_MARKER = "# The instance's configuration group.";

const parameterName = /^[a-z][a-z0-9-]*$/;
/** Words a list value is made of (save points, buffer limits): safe unquoted, split by Redis. */
const plainWords = /^[A-Za-z0-9 ._%:,-]*$/;

const storeOf = (mountPoint: string): string => join(mountPoint, 'cellar-overrides.json');

/** A value as CONFIG SET takes it. */
const text = (value: string | number | boolean): string =>
  typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);

/**
 * One value in redis.conf's syntax: plain words as they are (a list parameter takes several), any
 * other string quoted with its quotes and backslashes escaped; a control character is refused.
 */
export function confValue(name: string, value: Json): string {
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return text(value);
  if (typeof value !== 'string')
    throw new BadRequest({
      reason: `The value of ${name} must be a string, a number or true/false, not ${JSON.stringify(value)}.`,
    });
  if (/[\p{Cc}]/u.test(value))
    throw new BadRequest({
      reason: `The value of ${name} must be one line without control characters: ${JSON.stringify(value)}`,
    });
  return plainWords.test(value) && value.trim() !== '' ? value : quoted(value);
}

/** The set without nulls, every name and value checked: nothing half-written on bad input. */
export function checkedValues(overrides: Overrides): Values {
  const values: Values = {};
  for (const [name, value] of Object.entries(overrides)) {
    if (!parameterName.test(name))
      throw new BadRequest({
        reason: `'${name}' is not a Redis configuration parameter name (lower case, digits, dashes).`,
      });
    if (value === null) continue;
    confValue(name, value);
    values[name] = value as string | number | boolean;
  }
  return values;
}

/** The lines redis.conf ends with: after Cellar's own, so the group's values win. */
export function renderConfLines(values: Values): string {
  const lines = Object.entries(values).map(([n, v]) => `${n} ${confValue(n, v)}`);
  return lines.length === 0 ? '' : `${GROUP_MARKER}\n${lines.join('\n')}\n`;
}

/** For redis.conf, rendered before every start: the kept set's lines, or none. */
export async function storedConfLines(mountPoint: string): Promise<string> {
  const store = storeOf(mountPoint);
  if (!existsSync(store)) return '';
  return renderConfLines(checkedValues(JSON.parse(await readFile(store, 'utf8')) as Overrides));
}

/** Cellar's own value of a parameter in the redis.conf it rendered, above the group's lines. */
export function cellarsValue(conf: string, name: string): string | undefined {
  const own = conf.split(GROUP_MARKER)[0] ?? '';
  const line = own.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) return undefined;
  const value = line.slice(name.length + 1).trim();
  return /^".*"$/.test(value) ? (JSON.parse(value) as string) : value;
}

export interface OverridesHost {
  readonly context: GuestContext;
  readonly admin: AdminSession;
  readonly confFile: string;
  user(): Promise<OsUser | undefined>;
}

export class RedisOverrides {
  constructor(private readonly host: OverridesHost) {}

  /** Keeps the whole set; redis.conf is rendered from it at the next start. */
  async write(overrides: Overrides): Promise<void> {
    const values = checkedValues(overrides);
    const store = storeOf(this.host.context.mountPoint);
    await writeOwned(store, `${JSON.stringify(values)}\n`, await this.host.user());
  }

  async update(overrides: Overrides, remove: boolean): Promise<void> {
    await this.write(remove ? {} : overrides);
  }

  /**
   * CONFIG SET for each value; null puts back what the server has without the group: Cellar's
   * own line in redis.conf, else the server's default. Fails naming the parameter refused.
   */
  async apply(overrides: Overrides): Promise<void> {
    checkedValues(overrides);
    for (const [name, value] of Object.entries(overrides)) {
      const wanted = value === null ? await this.#withoutGroup(name) : text(value as string);
      if (wanted === undefined) {
        this.host.context.log.warn(
          `${name} has no known value without the group; the server keeps its value until it restarts`,
        );
        continue;
      }
      try {
        await this.host.admin.call('CONFIG', 'SET', name, wanted);
      } catch (error) {
        throw new ConfigurationParameterRefused(
          {
            datastore: 'redis',
            instance: this.host.context.guestId,
            parameter: name,
            value: JSON.stringify(value),
            reason: message(error),
          },
          { cause: error },
        );
      }
    }
  }

  async #withoutGroup(name: string): Promise<string | undefined> {
    const conf = await readFile(this.host.confFile, 'utf8').catch(() => '');
    const own = cellarsValue(conf, name);
    if (own !== undefined) return own;
    const version = this.host.context.datastoreVersion ?? (await installedVersions())[0]?.name;
    return version === undefined ? undefined : defaultsOf(version)?.[name];
  }
}
