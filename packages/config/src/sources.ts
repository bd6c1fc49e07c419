// Collects raw settings from every source in precedence order: --config-file (repeatable), then
// --config-dir (*.conf, sorted), then CELLAR_<GROUP>__<OPTION> variables, then --set flags.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseIni } from './ini.js';
import type { Location } from './location.js';

export interface RawSetting {
  readonly group: string;
  readonly key: string;
  readonly text: string;
  readonly location: Location;
}

export interface SourceProblem {
  readonly location: Location;
  readonly message: string;
}

export interface SourceSpec {
  readonly configFiles?: readonly string[];
  readonly configDirs?: readonly string[];
  /** The environment to read CELLAR_<GROUP>__<OPTION> from; none when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `group.option=value` pairs from --set flags. */
  readonly overrides?: readonly string[];
}

export interface CollectedSources {
  /** Lowest precedence first: a later setting of the same option wins. */
  readonly settings: readonly RawSetting[];
  readonly problems: readonly SourceProblem[];
}

const envPattern = /^CELLAR_([A-Z0-9_]+?)__([A-Z0-9_]+)$/;

async function readIniFile(
  path: string,
  settings: RawSetting[],
  problems: SourceProblem[],
): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message;
    problems.push({
      location: { kind: 'file', path },
      message: `cannot read the configuration file: ${reason}`,
    });
    return;
  }
  const parsed = parseIni(text);
  for (const p of parsed.problems)
    problems.push({ location: { kind: 'file', path, line: p.line }, message: p.message });
  for (const e of parsed.entries) {
    settings.push({
      group: e.section,
      key: e.key,
      text: e.value,
      location: { kind: 'file', path, line: e.line },
    });
  }
}

export async function collectSources(spec: SourceSpec): Promise<CollectedSources> {
  const settings: RawSetting[] = [];
  const problems: SourceProblem[] = [];
  for (const file of spec.configFiles ?? []) await readIniFile(file, settings, problems);
  for (const dir of spec.configDirs ?? []) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.conf')).sort();
    } catch (error) {
      problems.push({
        location: { kind: 'file', path: dir },
        message: `cannot read the configuration directory: ${(error as Error).message}`,
      });
      continue;
    }
    for (const name of names) await readIniFile(join(dir, name), settings, problems);
  }
  for (const [variable, value] of Object.entries(spec.env ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const m = envPattern.exec(variable);
    if (!m || value === undefined) continue;
    const group = m[1] === 'DEFAULT' ? 'DEFAULT' : (m[1] ?? '').toLowerCase();
    settings.push({
      group,
      key: (m[2] ?? '').toLowerCase(),
      text: value,
      location: { kind: 'env', variable },
    });
  }
  for (const override of spec.overrides ?? []) {
    const m = /^([A-Za-z][\w-]*)\.([a-z][\w]*)=(.*)$/s.exec(override);
    const flag = `--set ${override.split('=')[0] ?? override}`;
    if (!m) {
      problems.push({
        location: { kind: 'cli', flag: `--set ${override}` },
        message: 'expected --set GROUP.OPTION=VALUE, e.g. --set postgresql.root_on_create=true',
      });
      continue;
    }
    settings.push({
      group: m[1] ?? '',
      key: m[2] ?? '',
      text: m[3] ?? '',
      location: { kind: 'cli', flag },
    });
  }
  return { settings, problems };
}
