// A configuration group's values checked against the datastore version's parameter catalog, as
// Trove checks them (name, JSON type, bounds) and more: choices, and memory-like values against
// the RAM of every flavor the group is or would be attached with. Every problem is named.

import {
  ConfigurationValuesInvalid,
  type ConfigurationParameter,
  type ConfigurationValues,
} from '@cellar/plugin-api';

/** A flavor the values must fit: its RAM, and what attaches it (an instance, or the create). */
export interface FlavorFit {
  readonly flavor: string;
  readonly ramMb: number;
  /** What runs with it, for the message: `instance <id>` or `the new instance`. */
  readonly holder: string;
}

/** Where a user finds the rules, for the message of an unknown parameter. */
export interface CatalogOf {
  readonly datastore: string;
  readonly version: string;
  readonly parameters: readonly ConfigurationParameter[];
}

const show = (value: unknown): string => JSON.stringify(value);

/** The problem with one value under its parameter's rule, if any. */
function valueProblem(p: ConfigurationParameter, value: unknown): string | undefined {
  const at = `${p.name}: ${show(value)}`;
  switch (p.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return `${at} is not an integer (the parameter's type is integer)`;
      break;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `${at} is not a number (the parameter's type is float)`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean')
        return `${at} is not true or false (the parameter's type is boolean)`;
      return undefined;
    case 'string':
      if (typeof value !== 'string')
        return `${at} is not a string (the parameter's type is string)`;
      if (p.choices && !p.choices.some((c) => c.toLowerCase() === value.toLowerCase()))
        return `${at} is not one of the choices ${p.choices.join(', ')}`;
      return undefined;
  }
  const n = value;
  const unit = p.unit === undefined ? '' : ` (unit ${p.unit})`;
  if (p.min !== undefined && n < p.min) return `${at} is below the minimum ${p.min}${unit}`;
  if (p.max !== undefined && n > p.max) return `${at} is above the maximum ${p.max}${unit}`;
  return undefined;
}

/** A memory-like value larger than the RAM of a flavor it runs with. */
function memoryProblem(
  p: ConfigurationParameter,
  value: unknown,
  flavors: readonly FlavorFit[],
): string | undefined {
  if (p.bytesPerUnit === undefined || typeof value !== 'number') return undefined;
  const bytes = value * p.bytesPerUnit;
  const over = flavors.find((f) => bytes > f.ramMb * 1024 * 1024);
  if (!over) return undefined;
  const mb = Math.ceil(bytes / (1024 * 1024));
  return `${p.name}: ${show(value)} (${mb} MB) is more than the ${over.ramMb} MB of RAM of flavor ${over.flavor} (${over.holder})`;
}

/**
 * The values with each name as the catalog spells it (names match case-insensitively, as in
 * Trove); refuses with every problem at once (422), naming parameter, value and rule.
 */
export function checkValues(
  catalog: CatalogOf,
  values: Readonly<Record<string, unknown>>,
  flavors: readonly FlavorFit[] = [],
): ConfigurationValues {
  const byName = new Map(catalog.parameters.map((p) => [p.name.toLowerCase(), p]));
  const checked: Record<string, string | number | boolean> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const p = byName.get(name.toLowerCase());
    if (!p) {
      problems.push(
        `${name}: unknown parameter for ${catalog.datastore} ${catalog.version} (GET /datastores/${catalog.datastore}/versions/${catalog.version}/parameters lists them)`,
      );
      continue;
    }
    const problem = valueProblem(p, value) ?? memoryProblem(p, value, flavors);
    if (problem) problems.push(problem);
    else checked[p.name] = value as string | number | boolean;
  }
  if (problems.length > 0) throw new ConfigurationValuesInvalid({ problems: problems.join('; ') });
  return checked;
}
