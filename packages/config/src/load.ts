// Eager validation: every setting from every source is matched to an option of this side,
// converted and checked at once; all problems are returned together, each with its location.

import type { AnyOption, GroupValues, OptionGroup, Side } from '@cellar/plugin-api';
import { closest } from './did-you-mean.js';
import { formatLocation, type Location } from './location.js';
import { configFileOf, type FoundOption, type OptionRegistry } from './registry.js';
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

/** What validation found: problems stop start-up, warnings do not. Helpers add to them. */
interface Findings {
  readonly problems: ConfigProblem[];
  readonly warnings: ConfigProblem[];
}

/** The setting an option takes its value from, and the name it was set by. */
interface Chosen {
  readonly setting: RawSetting;
  readonly viaName: string;
}

const optionId = (group: string, key: string): string => `${group}\u0000${key}`;

export function loadConfig(
  registry: OptionRegistry,
  side: Side,
  sources: CollectedSources,
): LoadResult {
  const findings: Findings = {
    problems: sources.problems.map((p) => ({ location: p.location, message: p.message })),
    warnings: [],
  };
  const chosen = chooseSettings(registry, side, sources.settings, findings);
  const values = resolveValues(registry, side, chosen, findings);
  const { problems, warnings } = findings;
  if (problems.length > 0)
    return { ok: false, problems: inSourceOrder(problems, sources), warnings };
  return { ok: true, config: new Configuration(side, values), warnings };
}

/**
 * Matches every setting to an option of this side, by its name or a deprecated one; the last
 * setting of an option wins, and setting one option by two names is a problem.
 */
function chooseSettings(
  registry: OptionRegistry,
  side: Side,
  settings: readonly RawSetting[],
  findings: Findings,
): Map<string, Chosen> {
  const other: Side = side === 'server' ? 'guest' : 'server';
  const chosen = new Map<string, Chosen>();
  const reportedSections = new Set<string>();
  for (const s of settings) {
    const found = findOption(registry, side, s, findings);
    if (!found) {
      findings.problems.push(...unknownSetting(registry, side, other, s, reportedSections));
      continue;
    }
    const id = optionId(found.group.name, found.key);
    const viaName = `[${s.group}] ${s.key}`;
    const previous = chosen.get(id);
    if (previous && previous.viaName !== viaName) {
      findings.problems.push({
        location: s.location,
        group: found.group.name,
        key: found.key,
        message: `${viaName} and ${previous.viaName} (${formatLocation(previous.setting.location)}) both set [${found.group.name}] ${found.key}; keep only [${found.group.name}] ${found.key}`,
      });
    }
    chosen.set(id, { setting: s, viaName });
  }
  return chosen;
}

/** The option a setting names, warning when it names it by a deprecated name. */
function findOption(
  registry: OptionRegistry,
  side: Side,
  s: RawSetting,
  findings: Findings,
): FoundOption | undefined {
  const found = registry.find(side, s.group, s.key);
  if (found) return found;
  const deprecated = registry.findDeprecated(side, s.group, s.key);
  if (deprecated) {
    findings.warnings.push({
      location: s.location,
      group: s.group,
      key: s.key,
      message: `[${s.group}] ${s.key} is deprecated; use [${deprecated.group.name}] ${deprecated.key} instead`,
    });
  }
  return deprecated;
}

/** Every option of this side with its value, in registry order. */
function resolveValues(
  registry: OptionRegistry,
  side: Side,
  chosen: ReadonlyMap<string, Chosen>,
  findings: Findings,
): Map<string, Map<string, ConfigValue>> {
  const values = new Map<string, Map<string, ConfigValue>>();
  for (const { group } of registry.groups(side)) {
    const groupValues = new Map<string, ConfigValue>();
    values.set(group.name, groupValues);
    for (const [key, option] of Object.entries(group.options)) {
      const picked = chosen.get(optionId(group.name, key));
      const value = picked
        ? parseSetting(group.name, key, option, picked.setting, findings)
        : defaultValue(group.name, key, option, findings);
      if (value) groupValues.set(key, value);
    }
  }
  return values;
}

/** An unset option takes its default; a required one without a default is a problem. */
function defaultValue(
  group: string,
  key: string,
  option: AnyOption,
  findings: Findings,
): ConfigValue {
  if (option.required && option.default === undefined) {
    findings.problems.push({
      group,
      key,
      message: `[${group}] ${key} is required and not set: ${option.help}`,
    });
  }
  return { value: option.default, location: { kind: 'default' }, secret: option.secret === true };
}

/** A set option's value, parsed and checked; undefined (and a problem) when it is not valid. */
function parseSetting(
  group: string,
  key: string,
  option: AnyOption,
  setting: RawSetting,
  findings: Findings,
): ConfigValue | undefined {
  const parsed = option.type.parse(setting.text);
  const problem = parsed.ok ? option.type.check(parsed.value) : `expected ${option.type.expected}`;
  if (problem !== undefined) {
    findings.problems.push({
      location: setting.location,
      group,
      key,
      message: `${describeSetting(setting, option)}: ${problem}`,
    });
    return undefined;
  }
  if (option.deprecatedForRemoval) {
    findings.warnings.push({
      location: setting.location,
      group,
      key,
      message: `[${group}] ${key} is deprecated for removal${option.deprecatedSince ? ` since ${option.deprecatedSince}` : ''}${option.deprecatedReason ? `: ${option.deprecatedReason}` : ''}`,
    });
  }
  return {
    value: parsed.ok ? deepFreeze(parsed.value) : undefined,
    location: setting.location,
    secret: option.secret === true,
  };
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
