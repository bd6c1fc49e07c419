// What changing an instance's configuration values comes to: which parameters change (old and
// new value), which of them the running server takes at once, and whether a restart is needed.

import type { ConfigurationParameter, ConfigurationValues } from '@cellar/plugin-api';

export type Value = string | number | boolean;

/** One parameter that changes; null is "not set by any group" (the server's default). */
export interface ParameterChange {
  readonly name: string;
  readonly old: Value | null;
  readonly new: Value | null;
  readonly restartRequired: boolean;
}

export interface ValueChanges {
  readonly changes: readonly ParameterChange[];
  /** The dynamic changes for applyOverrides: null puts a dropped parameter back to its default. */
  readonly apply: Readonly<Record<string, Value | null>>;
  /** The same parameters' previous values, to put back if the apply fails. */
  readonly revert: Readonly<Record<string, Value | null>>;
  /** Whether a changed parameter takes effect only after a restart. */
  readonly restartRequired: boolean;
}

/**
 * Compares the previous and the next set. A parameter the catalog no longer has counts as
 * needing a restart: nothing says the server takes it at once.
 */
export function valueChanges(
  previous: ConfigurationValues,
  next: ConfigurationValues,
  catalog: readonly ConfigurationParameter[],
): ValueChanges {
  const rules = new Map(catalog.map((p) => [p.name, p]));
  const names = [...new Set([...Object.keys(previous), ...Object.keys(next)])].sort();
  const changes: ParameterChange[] = [];
  const apply: Record<string, Value | null> = {};
  const revert: Record<string, Value | null> = {};
  for (const name of names) {
    const old = previous[name] ?? null;
    const now = next[name] ?? null;
    if (old === now) continue;
    const restartRequired = rules.get(name)?.restartRequired ?? true;
    changes.push({ name, old, new: now, restartRequired });
    if (!restartRequired) {
      apply[name] = now;
      revert[name] = old;
    }
  }
  return { changes, apply, revert, restartRequired: changes.some((c) => c.restartRequired) };
}
