// Runs control-plane roles in this process until SIGINT or SIGTERM: `cellar up` runs them all,
// cellar-api, cellar-taskmanager and cellar-conductor one each.

import { Command } from 'commander';
import { startControlPlane, type ControlPlane, type Role } from '@cellar/server';
import {
  bootstrapFrom,
  print,
  reportBootstrap,
  withConfigFlags,
  type ConfigFlags,
} from './common.js';
import { version } from './version.js';

export async function serveRoles(
  tool: string,
  flags: ConfigFlags,
  roles?: readonly Role[],
): Promise<{ plane: ControlPlane; datastores: string[] } | undefined> {
  const result = await bootstrapFrom(flags, 'server');
  if (!reportBootstrap(tool, 'server', result)) return undefined;
  let plane: ControlPlane;
  const running: { plane?: ControlPlane } = {};
  try {
    plane = await startControlPlane({
      config: result.config,
      appRoot: result.appRoot,
      host: result.host,
      enabled: result.enabled,
      version,
      ...(roles ? { roles } : {}),
      // Without its broker the process is useless: stop, and let the supervisor start it again.
      onFatal: (error) => {
        print([`${tool}: stopping: ${error.message}`], process.stderr);
        process.exitCode = 1;
        void running.plane?.close().catch(() => undefined);
      },
    });
  } catch (error) {
    print(
      [`${tool}: could not start: ${error instanceof Error ? error.message : String(error)}`],
      process.stderr,
    );
    process.exitCode = 1;
    return undefined;
  }
  running.plane = plane;
  const stop = (): void => {
    void plane.close().then(() => print([`${tool} stopped.`]));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { plane, datastores: result.enabled.map((p) => p.manifest.name) };
}

/** A command that runs one role, for deployments that run the parts as separate services. */
export async function roleCommand(tool: string, role: Role, description: string): Promise<void> {
  const program = withConfigFlags(new Command(tool).description(description).version(version));
  program.action(async (flags: ConfigFlags) => {
    const served = await serveRoles(tool, flags, [role]);
    if (!served) return;
    print([
      `${tool} ${version} is running (${served.plane.database}${role === 'api' ? `, API on ${served.plane.endpoint}` : ''}). Stop with Ctrl-C.`,
    ]);
  });
  await program.parseAsync();
}
