// cellar-manage: the operator's tool: configuration samples, checks and views, and the plugins.

import { Command } from 'commander';
import { configCommand } from '../commands/config.js';
import { identityCommands } from '../commands/identity.js';
import { pluginsCommand } from '../commands/plugins.js';
import { version } from '../version.js';

const program = new Command('cellar-manage').description("Cellar's operator tool").version(version);
configCommand(program);
pluginsCommand(program);
identityCommands(program);
await program.parseAsync();
