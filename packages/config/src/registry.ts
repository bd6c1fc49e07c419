// The registry of option groups for both sides: the loader validates one side against it and
// uses the other side to tell an operator that a key belongs in the other process's file.

import type { AnyOption, OptionGroup, Side } from '@cellar/plugin-api';

export interface Contribution {
  /** The package that declared these options; samples say "From <owner>". */
  readonly owner: string;
  readonly options: OptionGroup['options'];
}

export interface RegisteredGroup {
  /** The group with every contribution's options merged. */
  readonly group: OptionGroup;
  /** Who declared which options, in registration order (oslo's "From …" blocks). */
  readonly contributions: readonly Contribution[];
}

export interface FoundOption {
  readonly group: OptionGroup;
  readonly key: string;
  readonly option: AnyOption;
}

export const configFileOf: Readonly<Record<Side, string>> = {
  server: 'cellar.conf',
  guest: 'cellar-guest.conf',
};

export class OptionRegistry {
  readonly #groups = new Map<string, RegisteredGroup>();

  /** Adds a group, or more options to a group of the same side and name from another owner. */
  register(group: OptionGroup, owner: string): this {
    const id = `${group.side}:${group.name}`;
    const existing = this.#groups.get(id);
    if (!existing) {
      this.#groups.set(id, { group, contributions: [{ owner, options: group.options }] });
      return this;
    }
    for (const key of Object.keys(group.options)) {
      const holder = existing.contributions.find((c) => key in c.options);
      if (holder)
        throw new Error(
          `option [${group.name}] ${key} (${group.side}) is declared by both ${holder.owner} and ${owner}`,
        );
    }
    const merged: OptionGroup = {
      ...existing.group,
      ...(existing.group.help ? {} : group.help ? { help: group.help } : {}),
      options: { ...existing.group.options, ...group.options },
    };
    this.#groups.set(id, {
      group: merged,
      contributions: [...existing.contributions, { owner, options: group.options }],
    });
    return this;
  }

  /** DEFAULT first, then the other groups by name: the order of samples and `config show`. */
  groups(side: Side): RegisteredGroup[] {
    return [...this.#groups.values()]
      .filter((g) => g.group.side === side)
      .sort((a, b) =>
        a.group.name === 'DEFAULT'
          ? -1
          : b.group.name === 'DEFAULT'
            ? 1
            : a.group.name.localeCompare(b.group.name),
      );
  }

  group(side: Side, name: string): OptionGroup | undefined {
    return this.#groups.get(`${side}:${name}`)?.group;
  }

  find(side: Side, group: string, key: string): FoundOption | undefined {
    const g = this.group(side, group);
    const option = g?.options[key];
    return g && option ? { group: g, key, option } : undefined;
  }

  /** The option an old (deprecated) group/name now stands for. */
  findDeprecated(side: Side, group: string, key: string): FoundOption | undefined {
    for (const { group: g } of this.groups(side)) {
      for (const [name, option] of Object.entries(g.options)) {
        if (option.deprecatedNames?.some((d) => (d.group ?? g.name) === group && d.name === key))
          return { group: g, key: name, option };
      }
    }
    return undefined;
  }
}
