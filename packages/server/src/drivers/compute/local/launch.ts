// Starting an instance's agent: the standby given the instance, or a new process as the
// instance's user, then polling it with pings until it answers; a failed start ends what it
// started and says why in the agent's own words.

import type { ChildProcess } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestStartFailed } from '@cellar/plugin-api';
import { processTree, signal } from '@cellar/plugin-api/processes';
import { GuestClient, type Transport } from '@cellar/rpc';
import type { InjectedGuest } from '../compute-driver.js';
import { spawnAgent, tail } from './agent-process.js';
import type { GuestProgram } from './guest-program.js';
import type { InstanceRecord } from './instance-records.js';
import type { Standby } from './standby-pool.js';

export interface LaunchSettings {
  readonly transport: Transport;
  /** `[local] guest_start_timeout`, in seconds. */
  readonly startTimeout: number;
}

/** `dir` is the instance's directory; the agent's output goes to its log/guest.out. */
export async function launchAgent(
  settings: LaunchSettings,
  dir: string,
  guest: InjectedGuest,
  record: InstanceRecord,
  start: { readonly standby?: Standby | undefined; readonly program: () => Promise<GuestProgram> },
): Promise<void> {
  const output = join(dir, 'log', 'guest.out');
  const argv = [
    ...['--config-file', join(dir, 'guest_info.conf')],
    ...['--config-file', join(dir, 'cellar-guest.conf')],
  ];
  const { standby } = start;
  const child = standby?.child ?? spawnAgent(await start.program(), argv, output, record.user);
  if (!standby) child.unref();
  const exited = exitOf(child);
  const pid = child.pid;
  if (pid === undefined)
    throw new GuestStartFailed({
      instance: guest.instanceId,
      reason: `${process.execPath} could not be started: ${exited.reason ?? 'no process'}`,
    });
  // Recorded before the agent has its instance: whatever happens next, delete finds it.
  await writeFile(join(dir, 'guest.pid'), `${pid}\n`);
  await appendFile(join(dir, 'process-groups'), `${pid}\n`);
  if (standby) {
    child.send({ argv, output });
    child.disconnect();
  }
  const failure = await untilAnswered(settings, guest, exited, output);
  if (failure !== undefined) {
    signal(await processTree([pid], dir), 'SIGKILL');
    throw new GuestStartFailed({ instance: guest.instanceId, reason: failure });
  }
}

/** Why the process ended, once it has (undefined while it runs). */
function exitOf(child: ChildProcess): { reason?: string } {
  const exited: { reason?: string } = {};
  child.once('exit', (code, signalName) => {
    exited.reason = signalName
      ? `it was ended by ${signalName}`
      : `it exited with status ${code ?? '?'}`;
  });
  child.once('error', (error) => (exited.reason = error.message));
  return exited;
}

/** Pings the agent until it answers (undefined), or answers why it never will. */
async function untilAnswered(
  settings: LaunchSettings,
  guest: InjectedGuest,
  exited: { reason?: string },
  output: string,
): Promise<string | undefined> {
  const client = new GuestClient(settings.transport, guest.instanceId, guest.instanceKey, {
    low: 2,
    high: 2,
  });
  const deadline = Date.now() + settings.startTimeout * 1000;
  for (;;) {
    if (exited.reason !== undefined) return `${exited.reason}: ${await tail(output)}`;
    if (await client.ping({ requestId: 'start' }, 2).catch(() => false)) return undefined;
    if (Date.now() > deadline)
      return `it did not answer within ${settings.startTimeout} s ([local] guest_start_timeout); its output: ${await tail(output)}`;
    await sleep(10);
  }
}
