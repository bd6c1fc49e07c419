// The clouds.yaml written on first start, so that OpenStack's clients reach this Cellar as its
// admin with `--os-cloud cellar` and nothing else to type.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function cloudsYaml(authUrl: string, password: string): string {
  return [
    '# Written by Cellar on first start: `openstack --os-cloud cellar database instance list`.',
    '# Put it in ~/.config/openstack/clouds.yaml, or point OS_CLIENT_CONFIG_FILE at it.',
    'clouds:',
    '  cellar:',
    '    auth:',
    `      auth_url: ${authUrl}`,
    '      username: admin',
    `      password: ${JSON.stringify(password)}`,
    '      project_name: admin',
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    '    region_name: RegionOne',
    '    identity_api_version: 3',
    '',
  ].join('\n');
}

/** Writes `<statePath>/clouds.yaml` (readable by Cellar's user only: it holds a password). */
export async function writeCloudsYaml(
  statePath: string,
  authUrl: string,
  password: string,
): Promise<string> {
  const file = join(statePath, 'clouds.yaml');
  await writeFile(file, cloudsYaml(authUrl, password), { mode: 0o600 });
  return file;
}
