// The guest agent's process: runs until SIGTERM or SIGINT, leaving the database running (as an
// agent restart on a server would). Problems at start go to standard error, which the compute
// driver captures in the instance's log directory, and end the process with status 2.

import type { PluginHost } from '@cellar/plugins';
import { GuestStartFailure, runGuest } from './agent.js';

export async function main(argv: readonly string[], plugins?: PluginHost): Promise<void> {
  try {
    const guest = await runGuest({ argv, ...(plugins ? { plugins } : {}) });
    const stop = (signal: string): void => {
      guest.log.info('guest agent stopping', { signal });
      void guest.close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    process.stderr.write(`${error instanceof GuestStartFailure ? error.message : `the guest agent did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}\n`);
    process.exit(2);
  }
}
