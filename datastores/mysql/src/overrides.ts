// A configuration group's values on a MariaDB instance: kept as JSON on the volume and written
// last into the option file rendered before every start (so they win over Cellar's own and
// survive restarts), and applied to the running server with SET GLOBAL.

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
import { memorySettings } from './config.js';

export type Overrides = Readonly<Record<string, Json>>;
type Values = Record<string, string | number | boolean>;

/** A system variable's name as SYSTEM_VARIABLES lists them: also what SET GLOBAL is given. */
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const storeOf = (mountPoint: string): string => join(mountPoint, 'cellar-overrides.json');

/**
 * One value in the option file's syntax. The file's reader strips one pair of matching quotes
 * and reads backslash escapes; a line break would start another setting and is refused, and so
 * is a value holding both kinds of quote (it could not be quoted whole).
 */
export function optionValue(name: string, value: Json): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string')
    throw new BadRequest({
      reason: `The value of ${name} must be a string, a number or true/false, not ${JSON.stringify(value)}.`,
    });
  if (/[\p{Cc}]/u.test(value))
    throw new BadRequest({
      reason: `The value of ${name} must be one line without control characters: ${JSON.stringify(value)}`,
    });
  const quote = value.includes('"') ? "'" : '"';
  if (value.includes(quote))
    throw new BadRequest({
      reason: `The value of ${name} cannot hold both ' and ": ${JSON.stringify(value)}`,
    });
  return `${quote}${value.replaceAll('\\', '\\\\')}${quote}`;
}

function checkName(name: string): void {
  if (!variableName.test(name))
    throw new BadRequest({
      reason: `'${name}' is not a MariaDB system variable name (letters, digits and underscores).`,
    });
}

/** The set without nulls, every name and value checked: nothing half-written on bad input. */
export function checkedValues(overrides: Overrides): Values {
  const values: Values = {};
  for (const [name, value] of Object.entries(overrides)) {
    checkName(name);
    if (value === null) continue;
    optionValue(name, value);
    values[name] = value as string | number | boolean;
  }
  return values;
}

/** The lines the option file ends with: after Cellar's own, so the group's values win. */
export function renderOptionLines(values: Values): string {
  const lines = Object.entries(values).map(([n, v]) => `${n} = ${optionValue(n, v)}`);
  return lines.length === 0 ? '' : `# The instance's configuration group.\n${lines.join('\n')}\n`;
}

/** For the option file rendered before every start: the kept set's lines, or none. */
export async function storedOptionLines(mountPoint: string): Promise<string> {
  const store = storeOf(mountPoint);
  if (!existsSync(store)) return '';
  return renderOptionLines(checkedValues(JSON.parse(await readFile(store, 'utf8')) as Overrides));
}

/** A size as the option file takes it (`256M`) in bytes, as SET GLOBAL takes it. */
function inBytes(value: string | number): string | number {
  const m = /^(\d+)([KMG])$/.exec(String(value));
  if (!m) return value;
  const shift = { K: 10, M: 20, G: 30 }[m[2] as 'K' | 'M' | 'G'];
  return Number(m[1]) * 2 ** shift;
}

export interface OverridesHost {
  readonly context: GuestContext;
  readonly sql: AdminSession;
  /** The flavor's RAM prepare recorded, which Cellar's own settings are derived from. */
  memoryMb(): Promise<number>;
  user(): Promise<OsUser | undefined>;
}

export class MysqlOverrides {
  constructor(private readonly host: OverridesHost) {}

  /** Keeps the whole set; the option file is rendered from it at the next start. */
  async write(overrides: Overrides): Promise<void> {
    const values = checkedValues(overrides);
    const store = storeOf(this.host.context.mountPoint);
    await writeOwned(store, `${JSON.stringify(values)}\n`, await this.host.user());
  }

  async update(overrides: Overrides, remove: boolean): Promise<void> {
    await this.write(remove ? {} : overrides);
  }

  /**
   * SET GLOBAL for each value; null puts back what the server has without the group: Cellar's
   * own setting where it makes one, else the server's default. Fails naming the variable refused.
   */
  async apply(overrides: Overrides): Promise<void> {
    checkedValues(overrides);
    const cellars: Record<string, string | number> = {
      ...memorySettings(await this.host.memoryMb()),
      character_set_server: 'utf8mb4',
    };
    for (const [name, value] of Object.entries(overrides)) {
      const own = cellars[name.toLowerCase()];
      try {
        if (value !== null) await this.host.sql.query(`SET GLOBAL ${name} = ?`, [value]);
        else if (own !== undefined)
          await this.host.sql.query(`SET GLOBAL ${name} = ?`, [inBytes(own)]);
        else await this.host.sql.query(`SET GLOBAL ${name} = DEFAULT`);
      } catch (error) {
        throw new ConfigurationParameterRefused(
          {
            datastore: 'mysql',
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
}
