// Renders a loaded configuration for `cellar-manage config show`: every value, secrets masked,
// optionally with where it came from.

import type { AnyOption } from '@cellar/plugin-api';
import type { Configuration } from './load.js';
import { formatLocation } from './location.js';
import type { OptionRegistry } from './registry.js';

export function renderConfig(
  config: Configuration,
  registry: OptionRegistry,
  withLocations: boolean,
): string {
  const rows = config.entries().map(([group, key, v]) => {
    const option = registry.find(config.side, group, key)?.option as AnyOption;
    const text = v.value === undefined ? '<None>' : v.secret ? '****' : option.type.format(v.value);
    return { group, line: `${key} = ${text}`, location: formatLocation(v.location) };
  });
  const width = Math.max(0, ...rows.map((r) => r.line.length));
  const out: string[] = [];
  let current: string | undefined;
  for (const row of rows) {
    if (row.group !== current) {
      if (current !== undefined) out.push('');
      out.push(`[${row.group}]`);
      current = row.group;
    }
    out.push(withLocations ? `${row.line.padEnd(width)}  # ${row.location}` : row.line);
  }
  return `${out.join('\n')}\n`;
}
