// The guest agent's command line, read with node:util parseArgs: the configuration files it
// loads and the `--set group.option=value` overrides the compute driver passes.

import { parseArgs } from 'node:util';

export interface AgentArgv {
  readonly configFiles: string[];
  readonly overrides: string[];
}

const USAGE = 'the agent takes --config-file <file> and --set <group.option=value>';

/** The files and overrides on the command line, or the problem that stops the agent starting. */
export function parseAgentArgv(argv: readonly string[]): AgentArgv | { readonly problem: string } {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        'config-file': { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    });
    return { configFiles: values['config-file'] ?? [], overrides: values.set ?? [] };
  } catch (error) {
    // parseArgs names the argument it could not take (unknown, missing its value, positional).
    return { problem: `${error instanceof Error ? error.message : String(error)}; ${USAGE}` };
  }
}
