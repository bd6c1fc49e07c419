// cellar: the user's tool. `cellar up` starts Cellar on this machine with its embedded defaults.

import { Command } from 'commander';
import { startControlPlane } from '@cellar/server';
import { bootstrapFrom, print, reportBootstrap, withConfigFlags, type ConfigFlags } from '../common.js';
import { version } from '../version.js';

const program = new Command('cellar').description('Cellar: databases as a service, speaking the OpenStack Trove API').version(version);

function tokenRequest(endpoint: string, password: string): string {
  const body = JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
  return `curl -si ${endpoint}/identity/v3/auth/tokens -H 'Content-Type: application/json' -d '${body}'`;
}

withConfigFlags(program.command('up'))
  .description('start Cellar on this machine: the API with its identity endpoint, on the embedded defaults')
  .action(async (flags: ConfigFlags) => {
    const result = await bootstrapFrom(flags, 'server');
    if (!reportBootstrap('cellar up', 'server', result)) return;
    let plane;
    try {
      plane = await startControlPlane({ config: result.config, appRoot: result.appRoot, host: result.host, enabled: result.enabled, version });
    } catch (error) {
      print([`cellar up: could not start: ${error instanceof Error ? error.message : String(error)}`], process.stderr);
      process.exitCode = 1;
      return;
    }
    const lines = [
      `Cellar ${version} is running.`,
      `  Trove v1.0 API:      ${plane.endpoint}/v1.0/<project id>`,
      `  Identity (Keystone): ${plane.endpoint}/identity/v3`,
      `  OpenAPI document:    ${plane.endpoint}/openapi.json`,
      `  Control database:    ${plane.database}`,
      `  Datastores:          ${result.enabled.map((p) => p.manifest.name).join(', ') || 'none enabled'}`,
      '',
    ];
    if (plane.generatedAdminPassword !== undefined) {
      lines.push(`First start: created project "admin" with user "admin"; its password, shown only now: ${plane.generatedAdminPassword}`);
    } else if (plane.cloudsYaml !== undefined) {
      lines.push('First start: created project "admin" with user "admin" (password from [identity] bootstrap_password).');
    }
    if (plane.cloudsYaml !== undefined) lines.push(`An OpenStack client configuration is in ${plane.cloudsYaml} (cloud "cellar").`);
    lines.push(
      'Get a token:',
      `  ${tokenRequest(plane.endpoint, plane.generatedAdminPassword ?? '<admin password>')}`,
      `  or: OS_CLIENT_CONFIG_FILE=${plane.statePath}/clouds.yaml openstack --os-cloud cellar token issue`,
      'The API serves versions, identity, flavors and datastores so far; instances, databases and users come next.',
      'Stop with Ctrl-C.',
    );
    print(lines);
    const stop = (): void => {
      void plane.close().then(() => print(['Cellar stopped.']));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

await program.parseAsync();
