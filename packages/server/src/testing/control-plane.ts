// A control plane for tests and benchmarks: in this process, on a free loopback port, with its
// own state directory, silent logs, and whatever settings the caller adds; stopped and removed
// by close().

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { bootstrap } from '@cellar/config';
import { commandLine, endProcesses, readProcesses, workingDir } from '@cellar/plugin-api/processes';
import { serverGroups } from '../options.js';
import { startControlPlane, type ControlPlane } from '../service.js';

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface TestControlPlane {
  readonly plane: ControlPlane;
  readonly statePath: string;
  readonly config: Extract<Awaited<ReturnType<typeof bootstrap>>, { ok: true }>['config'];
  readonly appRoot: string;
  close(): Promise<void>;
}

/** `settings` are `group.option=value` lines, as --set takes them. */
export async function startTestControlPlane(
  appRoot: string,
  settings: readonly string[],
): Promise<TestControlPlane> {
  const statePath = await mkdtemp(join(tmpdir(), 'cellar-test-'));
  const result = await bootstrap({
    side: 'server',
    appRoot,
    env: {},
    groups: serverGroups,
    overrides: [
      `DEFAULT.state_path=${statePath}`,
      `DEFAULT.bind_port=${await freePort()}`,
      ...settings,
    ],
  });
  if (!result.ok) {
    await rm(statePath, { recursive: true, force: true });
    throw new Error(`the test configuration is invalid:\n${result.problems.join('\n')}`);
  }
  const plane = await startControlPlane({
    config: result.config,
    appRoot: result.appRoot,
    host: result.host,
    enabled: result.enabled,
    version: 'test',
    logger: pino({ level: 'silent' }),
  });
  return {
    plane,
    statePath,
    config: result.config,
    appRoot: result.appRoot,
    close: async () => {
      await plane.close();
      await endProcessesUnder(statePath);
      await rm(statePath, { recursive: true, force: true });
    },
  };
}

/**
 * Ends every process working in or naming a directory (the guests and database servers of a
 * state directory), SIGINT first and SIGKILL after a grace period: a test that failed half way
 * must not leave its instances running once its state directory is gone.
 */
export async function endProcessesUnder(dir: string, graceMs = 5000): Promise<void> {
  const under = async (): Promise<number[]> => {
    const found: number[] = [];
    for (const pid of (await readProcesses()).keys()) {
      if (pid === process.pid) continue;
      if (
        (await workingDir(pid))?.startsWith(`${dir}/`) === true ||
        (await commandLine(pid)).includes(`${dir}/`)
      )
        found.push(pid);
    }
    return found;
  };
  await endProcesses(under, graceMs);
}
