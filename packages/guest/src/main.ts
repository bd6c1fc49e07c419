// The guest agent's process: runs until SIGTERM or SIGINT, leaving the database running (as an
// agent restart on a server would), or until its RabbitMQ connection is lost (status 1: the
// compute host starts it again). Problems at start go to standard error (and to the output
// file a standby agent is given), which the compute driver reads back into the instance's fault,
// and end the process with status 2.
//
// `--standby` starts an agent with everything loaded and nothing configured: it waits on its IPC
// channel for the arguments of the instance it is to serve, so an instance need not wait for Node
// to start. A standby whose control plane goes away before giving it work exits.

import { appendFileSync } from 'node:fs';
import type { PluginHost } from '@cellar/plugins';
import { GuestStartFailure, runGuest } from './agent.js';

/** What a standby agent is told when it is given an instance. */
export interface Assignment {
  readonly argv: readonly string[];
  /** Where start-up problems are written, beside standard error. */
  readonly output: string;
}

const isAssignment = (m: unknown): m is Assignment =>
  typeof m === 'object' && m !== null && Array.isArray((m as Assignment).argv) && typeof (m as Assignment).output === 'string';

async function start(argv: readonly string[], plugins: PluginHost | undefined, output?: string): Promise<void> {
  if (output !== undefined) {
    // A standby's standard error is not its instance's: what would kill it is written there too.
    process.once('uncaughtException', (error) => {
      appendFileSync(output, `the guest agent failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    });
  }
  try {
    const guest = await runGuest({ argv, chdir: true, ...(plugins ? { plugins } : {}) });
    // What ps shows, even for a standby started before it had an instance (Linux truncates it to the original command line's length).
    process.title = `cellar-guest ${guest.guestId}`;
    const stop = (signal: string): void => {
      guest.log.info('guest agent stopping', { signal });
      void guest.close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    void guest.lost.then((error) => {
      guest.log.error('the connection to the control plane was lost; the agent exits for its host to start it again', { err: error });
      process.exit(1);
    });
  } catch (error) {
    const text = `${error instanceof GuestStartFailure ? error.message : `the guest agent did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}\n`;
    process.stderr.write(text);
    if (output !== undefined) appendFileSync(output, text);
    process.exit(2);
  }
}

export async function main(argv: readonly string[], plugins?: PluginHost): Promise<void> {
  if (argv[0] !== '--standby') return start(argv, plugins);
  if (!process.send) {
    process.stderr.write('the guest agent runs --standby only under a compute driver, over an IPC channel\n');
    process.exit(2);
  }
  let assigned = false;
  process.once('disconnect', () => {
    if (!assigned) process.exit(0);
  });
  process.on('message', (message: unknown) => {
    if (assigned || !isAssignment(message)) return;
    assigned = true;
    process.disconnect();
    void start(message.argv, plugins, message.output);
  });
  process.send('ready');
}
