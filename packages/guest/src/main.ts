// The guest agent's process: runs until SIGTERM or SIGINT, leaving the database running (as an
// agent restart on a server would), or until its RabbitMQ connection is lost (status 1: the
// compute host starts it again). Problems at start go to standard error (and to the output
// file a standby agent is given), which the compute driver reads back into the instance's fault,
// and end the process with status 2.
//
// `--standby` starts an agent with everything loaded and nothing configured: it waits on its IPC
// channel for the arguments of the instance it is to serve, so an instance need not wait for Node
// to start. Given `--datastore D --work-dir W [--datastore-version V]`, it meanwhile runs the
// datastore's `standby` work in W (PostgreSQL's initdb), which the instance's manager may take.
// A standby whose control plane goes away before giving it work stops that work, removes W (and
// `--output F`, and with `--own-user` its user's shared memory) and exits (orphan-watch.ts).

import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openPlugins, type PluginHost } from '@cellar/plugins';
import { GuestStartFailure, loadGuestHalf, runGuest, type GuestStart } from './agent.js';
import { stderrLogger } from './log.js';
import { removeStandbyWork, watchInstanceFiles, watchStandbyChannel } from './orphan-watch.js';

/** What a standby agent is told when it is given an instance. */
export interface Assignment {
  readonly argv: readonly string[];
  /** Where start-up problems are written, beside standard error. */
  readonly output: string;
}

const isAssignment = (m: unknown): m is Assignment =>
  typeof m === 'object' &&
  m !== null &&
  Array.isArray((m as Assignment).argv) &&
  typeof (m as Assignment).output === 'string';

async function start(
  argv: readonly string[],
  plugins: PluginHost | undefined,
  output?: string,
  ahead?: WorkAhead,
): Promise<void> {
  if (output !== undefined) {
    // A standby's standard error is not its instance's: what would kill it is written there too.
    process.once('uncaughtException', (error) => {
      appendFileSync(output, `the guest agent failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    });
  }
  try {
    const guest = await runGuest({
      argv,
      chdir: true,
      ...(plugins ? { plugins } : {}),
      ...(ahead ? { standby: ahead.standby } : {}),
    });
    // What ps shows, even for a standby started before it had an instance (Linux truncates it to the original command line's length).
    process.title = `cellar-guest ${guest.guestId}`;
    const stop = (signal: string): void => {
      guest.log.info('guest agent stopping', { signal });
      void guest.close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    watchInstanceFiles(configFiles(argv), guest.log, async () => {
      await guest.stopDatabase().catch((error: unknown) => {
        guest.log.error('the database of the deleted instance did not stop', { err: error });
      });
      await guest.close().finally(() => process.exit(0));
    });
    void guest.lost.then((error) => {
      guest.log.error(
        'the connection to the control plane was lost; the agent exits for its host to start it again',
        { err: error },
      );
      process.exit(1);
    });
  } catch (error) {
    const text = `${error instanceof GuestStartFailure ? error.message : `the guest agent did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}\n`;
    process.stderr.write(text);
    if (output !== undefined) appendFileSync(output, text);
    process.exit(2);
  }
}

interface WorkAhead {
  readonly standby: NonNullable<GuestStart['standby']>;
  stop(): Promise<void>;
}

/** The files an agent was started with (`--config-file F`): its instance's, while it exists. */
const configFiles = (argv: readonly string[]): string[] =>
  argv.flatMap((flag, i) => (flag === '--config-file' && argv[i + 1] ? [argv[i + 1] ?? ''] : []));

/** A standby's arguments: `--standby --datastore D --work-dir W [--datastore-version V] [--output F] [--own-user]`. */
function standbyArgs(argv: readonly string[]): {
  datastore?: string | undefined;
  dir?: string | undefined;
  version?: string | undefined;
  output?: string | undefined;
  ownUser: boolean;
} {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      standby: { type: 'boolean' },
      datastore: { type: 'string' },
      'work-dir': { type: 'string' },
      'datastore-version': { type: 'string' },
      output: { type: 'string' },
      'own-user': { type: 'boolean' },
    },
  });
  return {
    datastore: values.datastore,
    dir: values['work-dir'],
    version: values['datastore-version'],
    output: values.output,
    ownUser: values['own-user'] === true,
  };
}

/** Starts the datastore's standby work, when the driver gave it a directory and the datastore has any. */
async function workAhead(
  argv: readonly string[],
  plugins: PluginHost | undefined,
): Promise<WorkAhead | undefined> {
  const log = stderrLogger();
  try {
    const { datastore, dir, version } = standbyArgs(argv);
    if (datastore === undefined || dir === undefined) return undefined;
    // Unbundled, the agent is started in the deployment's root and finds the plugin there.
    const host = plugins ?? openPlugins({ appRoot: process.cwd() }).host;
    const plugin = host.find('datastore', datastore);
    const entry = plugin && (await loadGuestHalf(host, plugin, datastore));
    if (!entry?.standby) return undefined;
    const controller = new AbortController();
    const done = entry.standby({
      dir,
      ...(version === undefined ? {} : { datastoreVersion: version }),
      signal: controller.signal,
      log,
    });
    // Observed by the manager, or by nobody if the standby ends unassigned.
    done.catch((error: unknown) => {
      if (!controller.signal.aborted)
        log.warn('the standby work ahead failed; the instance will do it itself', { err: error });
    });
    return {
      standby: { dir, done },
      // The work is told to stop, and given the time it takes: the driver kills it after a while.
      stop: async () => {
        controller.abort();
        await done.catch(() => undefined);
      },
    };
  } catch (error) {
    // The standby still serves: its instance does the work itself.
    log.warn('the standby work ahead could not start', { err: error });
    return undefined;
  }
}

export async function main(argv: readonly string[], plugins?: PluginHost): Promise<void> {
  if (argv[0] !== '--standby') return start(argv, plugins);
  if (!process.send) {
    process.stderr.write(
      'the guest agent runs --standby only under a compute driver, over an IPC channel\n',
    );
    process.exit(2);
  }
  let assigned = false;
  const ahead = workAhead(argv, plugins);
  const work = (() => {
    try {
      return standbyArgs(argv);
    } catch {
      return undefined;
    }
  })();
  // Ended before it has an instance (the control plane went away or stops it): the work ahead
  // stops too, and what it made is removed.
  const leave = (): void => {
    void ahead
      .then((a) => a?.stop())
      .then(() => (work?.dir ? removeStandbyWork({ ...work, dir: work.dir }) : undefined))
      .finally(() => process.exit(0));
  };
  const unwatch = watchStandbyChannel(leave);
  process.once('SIGTERM', leave);
  process.on('message', (message: unknown) => {
    if (assigned || !isAssignment(message)) return;
    assigned = true;
    unwatch();
    process.off('SIGTERM', leave);
    process.disconnect();
    void ahead.then((a) => start(message.argv, plugins, message.output, a));
  });
  process.send('ready');
}
