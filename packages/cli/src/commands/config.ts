// `cellar-manage config sample|check|show`: the sample files, a check of configuration files, and
// the effective values with where they came from, all from the registry start-up uses.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateSample, renderConfig } from '@cellar/config';
import type { Side } from '@cellar/plugin-api';
import {
  bootstrapFrom,
  print,
  reportBootstrap,
  sideOption,
  withConfigFlags,
  type ConfigFlags,
} from '../common.js';

export function configCommand(program: Command): void {
  const config = program.command('config').description('sample, check and show configuration');

  withConfigFlags(config.command('sample'))
    .description(
      'print the sample configuration file of one side, generated from the option registry',
    )
    .addOption(sideOption())
    .option('--output <file>', 'write the sample to this file instead of standard output')
    .action(async (flags: ConfigFlags & { side: Side; output?: string }) => {
      // The sample describes the installed plugins, not a particular configuration.
      // A server-side bootstrap registers the groups of both sides: every datastore's and the processes' own.
      const result = await bootstrapFrom(
        { ...flags, configFile: [], configDir: [], set: [] },
        'server',
        {},
      );
      if (!reportBootstrap('cellar-manage', 'server', result)) return;
      const sample = generateSample(result.registry, flags.side);
      if (flags.output) await writeFile(flags.output, sample);
      else process.stdout.write(sample);
    });

  withConfigFlags(config.command('check'))
    .description(
      'validate configuration files as start-up would; exits non-zero and lists every problem',
    )
    .addOption(sideOption())
    .action(async (flags: ConfigFlags & { side: Side }) => {
      const result = await bootstrapFrom(flags, flags.side);
      if (!reportBootstrap('cellar-manage', flags.side, result)) return;
      const sources = [...flags.configFile, ...flags.configDir];
      print([
        `The ${flags.side} configuration is valid${sources.length > 0 ? ` (${sources.join(', ')})` : ''}.`,
      ]);
    });

  withConfigFlags(config.command('show'))
    .description('print the effective configuration, secrets masked')
    .addOption(sideOption())
    .option(
      '--with-locations',
      'say where each value came from: file and line, environment variable, flag or default',
    )
    .action(async (flags: ConfigFlags & { side: Side; withLocations?: boolean }) => {
      const result = await bootstrapFrom(flags, flags.side);
      if (!reportBootstrap('cellar-manage', flags.side, result)) return;
      process.stdout.write(
        renderConfig(result.config, result.registry, flags.withLocations === true),
      );
    });
}
