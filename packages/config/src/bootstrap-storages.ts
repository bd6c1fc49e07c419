// The backup storages at start-up. On the server, `[DEFAULT] backup_storage` names the one new
// backups go to, and every installed storage's group is registered so backups kept in another stay
// readable; a guest registers only the storage its cellar-guest.conf names, which the driver wrote.

import {
  defineOptionGroup,
  namespaces,
  opt,
  type BackupStorageOptions,
  type OptionGroup,
} from '@cellar/plugin-api';
import {
  EntryLoadFailure,
  formatPluginProblem,
  problemsOf,
  type PluginHost,
  type PluginProblem,
} from '@cellar/plugins';
import { closest } from './did-you-mean.js';
import { previewGroup } from './load.js';
import type { RawSetting } from './sources.js';

export const backupStorageDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'server',
  options: {
    backup_storage: opt.str({
      help: 'The backup storage new backups are written to, by plugin name (local, swift, s3 when installed). Every installed storage stays configured from its own [backup_storage_<name>] section, so backups kept in another one remain readable. Set to a storage that is not installed, it stops start-up; left unset while local is not installed, backups are refused.',
      default: 'local',
      regex: /^[a-z][a-z0-9_]*$/,
    }),
  },
});

export const guestBackupStorage = defineOptionGroup({
  name: 'DEFAULT',
  side: 'guest',
  options: {
    backup_storage: opt.str({
      help: "The backup storage this guest writes its backups to and restores them from, by plugin name; its options are the [backup_storage_<name>] section of this file. The compute driver injects the server's choice and that storage's section. Unset, the guest takes and restores no backups.",
      regex: /^[a-z][a-z0-9_]*$/,
    }),
  },
});

export interface StorageSelection {
  /** The server groups of the installed storages whose options load, with their packages. */
  readonly groups: readonly { readonly group: OptionGroup; readonly owner: string }[];
  readonly problems: readonly PluginProblem[];
  readonly notices: readonly string[];
}

function problemsFrom(error: unknown): readonly PluginProblem[] {
  if (error instanceof EntryLoadFailure) return [error.problem];
  return problemsOf(error) ?? [{ message: 'loading plugin options failed', cause: error }];
}

export interface ChosenStorage {
  /** `[DEFAULT] backup_storage`, or its default. */
  readonly name: string;
  /** Set explicitly but not installed: start-up stops. */
  readonly problem?: PluginProblem;
  /** Left at its default, which is not installed: backups are refused until one is chosen. */
  readonly notice?: string;
}

/**
 * The chosen storage must be installed when it is set; a deployment that installs no storage and
 * sets nothing still starts (it serves no backups), with a note saying so.
 */
export function chosenStorage(host: PluginHost, settings: readonly RawSetting[]): ChosenStorage {
  const name = previewGroup(backupStorageDefaults, settings)['backup_storage'] as string;
  const installed = host.ofKind('backup-storage');
  if (installed.some((p) => p.manifest.name === name)) return { name };
  // Installed but rejected (duplicate, bad manifest): that problem is already reported.
  if (host.problems.some((p) => p.plugin === name)) return { name };
  const list =
    installed.map((p) => `${p.manifest.name} (${p.package}@${p.version})`).join(', ') || 'none';
  const set = settings.some((s) => s.group === 'DEFAULT' && s.key === 'backup_storage');
  if (!set)
    return {
      name,
      notice: `[DEFAULT] backup_storage is not set and its default '${name}' is not installed: backups are refused until a storage is installed and chosen; installed: ${list}`,
    };
  const near = closest(
    name,
    installed.map((p) => p.manifest.name),
  );
  return {
    name,
    problem: {
      plugin: name,
      message: `backup-storage '${name}' is named by [DEFAULT] backup_storage but not installed; installed: ${list}${near ? `; did you mean '${near}'?` : ''}`,
    },
  };
}

/**
 * Loads the options of every installed storage (server side only: a guest will carry just the
 * chosen storage's group). Only the chosen storage's broken options stop start-up.
 */
export async function selectBackupStorages(
  host: PluginHost,
  settings: readonly RawSetting[],
): Promise<StorageSelection> {
  const { name: chosen, problem, notice } = chosenStorage(host, settings);
  const problems: PluginProblem[] = problem ? [problem] : [];
  const notices: string[] = notice ? [notice] : [];
  const groups: { group: OptionGroup; owner: string }[] = [];
  for (const plugin of host.ofKind('backup-storage')) {
    const name = plugin.manifest.name;
    try {
      const options = (await host.load({
        plugin,
        namespace: namespaces.backupStorageOptions,
        name,
      })) as BackupStorageOptions;
      groups.push({ group: options.server, owner: plugin.package });
    } catch (error) {
      const found = problemsFrom(error);
      if (name === chosen) problems.push(...found);
      else
        notices.push(
          ...found.map((x) => `not chosen, and its options do not load: ${formatPluginProblem(x)}`),
        );
    }
  }
  return { groups, problems, notices };
}

/**
 * A guest registers the guest group of the one storage `[DEFAULT] backup_storage` names; a name
 * its artifact does not carry stops start-up, as on the server.
 */
export async function selectGuestStorage(
  host: PluginHost,
  settings: readonly RawSetting[],
): Promise<StorageSelection> {
  const name = previewGroup(guestBackupStorage, settings)['backup_storage'] as string | undefined;
  if (name === undefined) return { groups: [], problems: [], notices: [] };
  const plugin = host.find('backup-storage', name);
  if (!plugin) {
    const installed = host.ofKind('backup-storage').map((p) => p.manifest.name);
    return {
      groups: [],
      notices: [],
      problems: [
        {
          plugin: name,
          message: `backup-storage '${name}' is named by [DEFAULT] backup_storage but this guest does not carry it; carried: ${installed.join(', ') || 'none'}`,
        },
      ],
    };
  }
  try {
    const options = (await host.load({
      plugin,
      namespace: namespaces.backupStorageOptions,
      name,
    })) as BackupStorageOptions;
    return { groups: [{ group: options.guest, owner: plugin.package }], problems: [], notices: [] };
  } catch (error) {
    return { groups: [], problems: problemsFrom(error), notices: [] };
  }
}
