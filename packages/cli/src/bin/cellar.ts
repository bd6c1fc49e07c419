// cellar: the user's tool. `cellar up` starts Cellar on this machine with its embedded defaults.

import { Command } from 'commander';
import { print, withConfigFlags, type ConfigFlags } from '../common.js';
import { serveRoles } from '../serve.js';
import { version } from '../version.js';
import { firstSteps } from '../up/first-steps.js';

const program = new Command('cellar')
  .description('Cellar: databases as a service, speaking the OpenStack Trove API')
  .version(version);

function tokenRequest(endpoint: string, password: string): string {
  const body = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { id: 'default' }, password } },
      },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
  return `curl -si ${endpoint}/identity/v3/auth/tokens -H 'Content-Type: application/json' -d '${body}'`;
}

withConfigFlags(program.command('up'))
  .description(
    'start Cellar on this machine: the API, taskmanager and conductor in one process, on the embedded defaults',
  )
  .action(async (flags: ConfigFlags) => {
    const served = await serveRoles('cellar up', flags);
    if (!served) return;
    const { plane } = served;
    const lines = [
      `Cellar ${version} is running.`,
      `  Trove v1.0 API:      ${plane.endpoint}/v1.0/<project id>`,
      `  Identity (Keystone): ${plane.identityUrl}`,
      `  Web console:         ${plane.endpoint}/dashboard/ (sign in as admin)`,
      `  OpenAPI document:    ${plane.endpoint}/openapi.json`,
      `  Control database:    ${plane.database}`,
      `  Datastores:          ${served.datastores.join(', ') || 'none enabled'}`,
      ...(plane.instancesPath === undefined
        ? []
        : [`  Instances:           ${plane.instancesPath}`]),
      '',
    ];
    if (plane.generatedAdminPassword !== undefined) {
      lines.push(
        `First start: created project "admin" with user "admin"; its password, shown only now: ${plane.generatedAdminPassword}`,
      );
    } else if (plane.cloudsYaml !== undefined) {
      lines.push(
        'First start: created project "admin" with user "admin" (password from [identity] bootstrap_password).',
      );
    }
    if (plane.cloudsYaml !== undefined)
      lines.push(`An OpenStack client configuration is in ${plane.cloudsYaml} (cloud "cellar").`);
    lines.push(
      'Get a token:',
      `  ${tokenRequest(plane.endpoint, plane.generatedAdminPassword ?? '<admin password>')}`,
      `  or: OS_CLIENT_CONFIG_FILE=${plane.statePath}/clouds.yaml openstack --os-cloud cellar token issue`,
    );
    if (plane.computeProblem !== undefined) {
      lines.push(`Instances cannot start here: ${plane.computeProblem}.`);
    } else if (plane.computeDriver === 'local') {
      lines.push(...firstSteps(plane.statePath, plane.defaultVersions));
    }
    lines.push('Stop with Ctrl-C. Instances keep running and are found again at the next start.');
    print(lines);
  });

await program.parseAsync();
