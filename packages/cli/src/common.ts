// What the command-line tools share: the configuration flags every command takes, and printing a
// bootstrap's problems, warnings and notices the same way everywhere.

import { Option, type Command } from 'commander';
import {
  bootstrap,
  type BootstrapResult,
  type Bootstrapped,
  type OwnedGroup,
} from '@cellar/config';
import type { Side } from '@cellar/plugin-api';
import { guestGroups } from '@cellar/guest';
import { serverGroups } from '@cellar/server';

export interface ConfigFlags {
  readonly configFile: string[];
  readonly configDir: string[];
  readonly set: string[];
  readonly appRoot?: string;
  readonly side?: Side;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function withConfigFlags(command: Command): Command {
  return command
    .option(
      '--config-file <file>',
      'an INI configuration file; repeatable, later files win',
      collect,
      [],
    )
    .option(
      '--config-dir <dir>',
      'a directory of *.conf files read in name order after the files; repeatable',
      collect,
      [],
    )
    .option(
      '--set <group.option=value>',
      'set one option, above files and environment; repeatable',
      collect,
      [],
    )
    .option(
      '--app-root <dir>',
      'the deployment root whose dependencies are searched for plugins (default: CELLAR_APP_ROOT, else found from the working directory)',
    );
}

export const sideOption = (): Option =>
  new Option(
    '--side <side>',
    'which process the configuration is for: server (cellar.conf) or guest (cellar-guest.conf)',
  )
    .choices(['server', 'guest'])
    .default('server');

export function print(lines: readonly string[], stream: NodeJS.WriteStream = process.stdout): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}

/** `groups`: the processes' own option groups; both sides' when absent, so an option put on the wrong side is named as such. */
export async function bootstrapFrom(
  flags: ConfigFlags,
  side: Side,
  env: NodeJS.ProcessEnv = process.env,
  groups: readonly OwnedGroup[] = [...serverGroups, ...guestGroups],
): Promise<BootstrapResult> {
  return bootstrap({
    side,
    groups,
    configFiles: flags.configFile,
    configDirs: flags.configDir,
    overrides: flags.set,
    env,
    ...((flags.appRoot ?? process.env['CELLAR_APP_ROOT'])
      ? { appRoot: flags.appRoot ?? process.env['CELLAR_APP_ROOT'] }
      : {}),
  });
}

/** Prints notices and warnings; on failure prints every problem and sets a failing exit code. */
export function reportBootstrap(
  tool: string,
  side: Side,
  result: BootstrapResult,
): result is { ok: true } & Bootstrapped {
  print(
    result.notices.map((n) => `note: ${n}`),
    process.stderr,
  );
  print(
    result.warnings.map((w) => `warning: ${w}`),
    process.stderr,
  );
  if (result.ok) return true;
  print(
    [
      `${tool}: the ${side} configuration has ${result.problems.length} problem(s); nothing was started:`,
      ...result.problems.map((p) => `  ${p.replaceAll('\n', '\n  ')}`),
    ],
    process.stderr,
  );
  process.exitCode = 1;
  return false;
}
