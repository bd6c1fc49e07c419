// Eager validation: every setting from every source is matched to an option of this side,
// converted and checked at once; all problems are returned together, each with its location.

import type { AnyOption, GroupValues, OptionGroup, Side } from '@cellar/plugin-api';
import { closest } from './did-you-mean.js';
import { formatLocation, type Location } from './location.js';
import { configFileOf, type OptionRegistry } from './registry.js';
import type { CollectedSources, RawSetting } from './sources.js';

export interface ConfigProblem {
  readonly location?: Location;
  readonly group?: string;
  readonly key?: string;
  readonly message: string;
}

export interface ConfigValue {
  readonly value: unknown;
  readonly location: Location;
  readonly secret: boolean;
}

export type LoadResult =
  | {
      readonly ok: true;
      readonly config: Configuration;
      readonly warnings: readonly ConfigProblem[];
    }
  | {
      readonly ok: false;
      readonly problems: readonly ConfigProblem[];
      readonly warnings: readonly ConfigProblem[];
    };

/** A validated, frozen configuration of one side. */
export class Configuration {
  readonly #values: ReadonlyMap<string, ReadonlyMap<string, ConfigValue>>;

  constructor(
    readonly side: Side,
    values: Map<string, Map<string, ConfigValue>>,
  ) {
    this.#values = values;
  }

  /** The values of a group, typed by its definition. */
  group<G extends OptionGroup>(group: G): GroupValues<G> {
    return this.values(group.name) as GroupValues<G>;
  }

  values(groupName: string): Readonly<Record<string, unknown>> {
    const g = this.#values.get(groupName);
    if (!g)
      throw new Error(`no option group [${groupName}] is registered on the ${this.side} side`);
    return Object.freeze(Object.fromEntries([...g].map(([k, v]) => [k, v.value])));
  }

  /** Every value with where it came from, in registry order. */
  entries(): [group: string, key: string, value: ConfigValue][] {
    return [...this.#values].flatMap(([group, options]) =>
      [...options].map(([key, v]) => [group, key, v] as [string, string, ConfigValue]),
    );
  }
}

const mask = (option: AnyOption, text: string): string => (option.secret ? '****' : text);

function describeSetting(s: RawSetting, option?: AnyOption): string {
  return `[${s.group}] ${s.key} = ${option ? mask(option, s.text) : s.text}`;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.location ? `${formatLocation(p.location)}: ` : '';
  return `${where}${p.message}`;
}

export function loadConfig(
  registry: OptionRegistry,
  side: Side,
  sources: CollectedSources,
): LoadResult {
  const problems: ConfigProblem[] = sources.problems.map((p) => ({
    location: p.location,
    message: p.message,
  }));
  const warnings: ConfigProblem[] = [];
  const other: Side = side === 'server' ? 'guest' : 'server';
  const chosen = new Map<string, { setting: RawSetting; viaName: string }>();
  const reportedSections = new Set<string>();

  for (const s of sources.settings) {
    let found = registry.find(side, s.group, s.key);
    if (!found) {
      found = registry.findDeprecated(side, s.group, s.key);
      if (found) {
        warnings.push({
          location: s.location,
          group: s.group,
          key: s.key,
          message: `[${s.group}] ${s.key} is deprecated; use [${found.group.name}] ${found.key} instead`,
        });
      }
    }
    if (!found) {
      problems.push(...unknownSetting(registry, side, other, s, reportedSections));
      continue;
    }
    const id = `${found.group.name}\u0000${found.key}`;
    const viaName = `[${s.group}] ${s.key}`;
    const previous = chosen.get(id);
    if (previous && previous.viaName !== viaName) {
      problems.push({
        location: s.location,
        group: found.group.name,
        key: found.key,
        message: `${viaName} and ${previous.viaName} (${formatLocation(previous.setting.location)}) both set [${found.group.name}] ${found.key}; keep only [${found.group.name}] ${found.key}`,
      });
    }
    chosen.set(id, { setting: s, viaName });
  }

  const values = new Map<string, Map<string, ConfigValue>>();
  for (const { group } of registry.groups(side)) {
    const groupValues = new Map<string, ConfigValue>();
    values.set(group.name, groupValues);
    for (const [key, option] of Object.entries(group.options)) {
      const picked = chosen.get(`${group.name}\u0000${key}`);
      const secret = option.secret === true;
      if (!picked) {
        if (option.required && option.default === undefined) {
          problems.push({
            group: group.name,
            key,
            message: `[${group.name}] ${key} is required and not set: ${option.help}`,
          });
        }
        groupValues.set(key, { value: option.default, location: { kind: 'default' }, secret });
        continue;
      }
      const { setting } = picked;
      const parsed = option.type.parse(setting.text);
      const problem = parsed.ok
        ? option.type.check(parsed.value)
        : `expected ${option.type.expected}`;
      if (problem !== undefined) {
        problems.push({
          location: setting.location,
          group: group.name,
          key,
          message: `${describeSetting(setting, option)}: ${problem}`,
        });
        continue;
      }
      if (option.deprecatedForRemoval) {
        warnings.push({
          location: setting.location,
          group: group.name,
          key,
          message: `[${group.name}] ${key} is deprecated for removal${option.deprecatedSince ? ` since ${option.deprecatedSince}` : ''}${option.deprecatedReason ? `: ${option.deprecatedReason}` : ''}`,
        });
      }
      groupValues.set(key, {
        value: parsed.ok ? deepFreeze(parsed.value) : undefined,
        location: setting.location,
        secret,
      });
    }
  }
  if (problems.length > 0)
    return { ok: false, problems: inSourceOrder(problems, sources), warnings };
  return { ok: true, config: new Configuration(side, values), warnings };
}

function unknownSetting(
  registry: OptionRegistry,
  side: Side,
  other: Side,
  s: RawSetting,
  reportedSections: Set<string>,
): ConfigProblem[] {
  const base = { location: s.location, group: s.group, key: s.key };
  if (registry.find(other, s.group, s.key)) {
    return [
      {
        ...base,
        message: `[${s.group}] ${s.key} is a ${other} option: it belongs in ${configFileOf[other]}, not ${configFileOf[side]}`,
      },
    ];
  }
  const group = registry.group(side, s.group);
  if (!group) {
    const source = s.location.kind === 'file' ? s.location.path : s.location.kind;
    const sectionId = `${source}\u0000${s.group}`;
    if (reportedSections.has(sectionId)) return [];
    reportedSections.add(sectionId);
    const suggestion = closest(
      s.group,
      registry.groups(side).map((g) => g.group.name),
    );
    return [
      {
        ...base,
        message: `unknown section [${s.group}]${suggestion ? `; did you mean [${suggestion}]?` : ''} (sections on the ${side} side: ${registry
          .groups(side)
          .map((g) => g.group.name)
          .join(', ')})`,
      },
    ];
  }
  const suggestion = closest(s.key, Object.keys(group.options));
  const elsewhere = registry
    .groups(side)
    .find((g) => g.group.name !== s.group && s.key in g.group.options);
  const hint = suggestion
    ? `; did you mean ${suggestion}?`
    : elsewhere
      ? `; it is an option of [${elsewhere.group.name}]`
      : '';
  return [{ ...base, message: `unknown option ${s.key} in [${s.group}]${hint}` }];
}

/** Problems in the order their settings were read (files, then lines), the rest after. */
function inSourceOrder(
  problems: readonly ConfigProblem[],
  sources: CollectedSources,
): ConfigProblem[] {
  const rank = new Map<Location, number>();
  sources.problems.forEach((p, i) => rank.set(p.location, i));
  sources.settings.forEach((s, i) => rank.set(s.location, sources.problems.length + i));
  const of = (p: ConfigProblem): number =>
    p.location ? (rank.get(p.location) ?? Infinity) : Infinity;
  return [...problems].sort((a, b) => of(a) - of(b));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The values of one group read straight from the raw settings, before the full registry exists:
 * bootstrap needs `[plugins]` and the enable list to know which plugins' options to register.
 * Unreadable values fall back to the default here; the full validation reports them.
 */
export function previewGroup(
  group: OptionGroup,
  settings: readonly RawSetting[],
): Readonly<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(group.options)) {
    values[key] = option.default;
    const setting = settings.findLast((s) => s.group === group.name && s.key === key);
    if (!setting) continue;
    const parsed = option.type.parse(setting.text);
    if (parsed.ok && option.type.check(parsed.value) === undefined) values[key] = parsed.value;
  }
  return values;
}
