// The options of Cellar's own processes that do not belong to a plugin: which datastores run and
// how plugins are found, on the server side; the guest's identity, on the guest side.

import { defineOptionGroup, opt, types } from '@cellar/plugin-api';

export const serverDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'server',
  options: {
    enabled_datastores: opt.list(types.str({ regex: /^(\*|[a-z][a-z0-9_]*)$/ }), {
      help: 'The datastores this deployment offers, by plugin name; `*` offers every installed datastore plugin. A name that is not installed stops start-up.',
      default: ['*'],
    }),
    debug: opt.bool({ help: 'Log at debug level.', default: false, mutable: true }),
  },
});

export const guestDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'guest',
  options: {
    guest_id: opt.str({
      help: 'The id of the instance this guest agent serves; injected by the taskmanager in guest_info.conf.',
      required: true,
      regex: /^[0-9a-fA-F-]{8,64}$/,
    }),
    datastore_manager: opt.str({
      help: 'The datastore this guest runs, by plugin name; exactly one datastore plugin is loaded.',
      required: true,
      regex: /^[a-z][a-z0-9_]*$/,
    }),
    datastore_version: opt.str({ help: 'The datastore version this guest runs, e.g. 15.' }),
    project_id: opt.str({
      help: "The project (tenant) the instance belongs to; injected in guest_info.conf. The guest's backups are kept under it in the backup storage, apart from other projects'.",
      regex: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    }),
    debug: opt.bool({ help: 'Log at debug level.', default: false, mutable: true }),
  },
});

function pluginsGroup<const S extends 'server' | 'guest'>(side: S) {
  return defineOptionGroup({
    name: 'plugins',
    side,
    title: 'How plugins are found',
    options: {
      lock_file: opt.str({
        help: 'The plugin lock file written by `cellar-manage plugins lock`, relative to the deployment root. While it matches the installed packages, start-up reads it instead of resolving every dependency.',
        default: 'plugins.lock.json',
      }),
      require_lock: opt.bool({
        help: 'Refuse to start without a lock file that matches the installed packages, instead of resolving plugins again (for images and production hosts).',
        default: false,
      }),
    },
  });
}

export const serverPlugins = pluginsGroup('server');
export const guestPlugins = pluginsGroup('guest');

export const coreGroups = [serverDefaults, serverPlugins, guestDefaults, guestPlugins] as const;
