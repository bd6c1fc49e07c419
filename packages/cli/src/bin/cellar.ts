// cellar: the user's tool. `cellar up` starts Cellar on this machine with its embedded defaults.

import { Command } from 'commander';
import { bootstrapFrom, print, reportBootstrap, withConfigFlags, type ConfigFlags } from '../common.js';
import { version } from '../version.js';

const program = new Command('cellar').description('Cellar: databases as a service, speaking the OpenStack Trove API').version(version);

withConfigFlags(program.command('up'))
  .description('start Cellar on this machine: validate the configuration and load the enabled datastores')
  .action(async (flags: ConfigFlags) => {
    const result = await bootstrapFrom(flags, 'server');
    if (!reportBootstrap('cellar up', 'server', result)) return;
    const lines = [
      `Cellar ${version} — deployment ${result.appRoot}`,
      `Configuration valid; plugins ${result.pluginSource === 'lock' ? 'read from the lock file' : 'found in the dependencies'}.`,
      '',
      'Datastores enabled:',
      ...result.enabled.map((p) => `  ${p.manifest.name.padEnd(12)} ${`${p.package}@${p.version}`.padEnd(36)} capabilities: ${p.manifest.capabilities.join(', ') || '(none)'}`),
      '',
      'The control plane (Trove API on 127.0.0.1:8779, taskmanager, conductor) is not part of this',
      'build yet, so nothing is left running. What you can do now:',
      '  npx cellar-manage plugins list                        the installed datastore plugins',
      '  npx cellar-manage config sample --side server         every option of cellar.conf',
      '  npx cellar-manage config sample --side guest          every option of cellar-guest.conf',
      '  npx cellar-manage config check --config-file F        validate a configuration file',
      '  npx cellar-manage config show --with-locations        the effective values and their sources',
    ];
    print(lines);
  });

await program.parseAsync();
