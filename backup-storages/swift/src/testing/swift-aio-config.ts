// The files of a Swift all-in-one for tests: rings (one device, one replica) and the four
// servers' configurations, tempauth and s3api in the proxy, everything under one directory.

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SwiftPorts {
  readonly proxy: number;
  readonly account: number;
  readonly container: number;
  readonly object: number;
  readonly memcached: number;
}

/** Debian's python3-swift lives under the system Python, not a pyenv one found first on PATH. */
export const systemPython = '/usr/bin/python3';

const ringScript = `
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), map(int, sys.argv[2:5])):
    b = RingBuilder(10, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port,
               'device': 'd1', 'weight': 1, 'meta': ''})
    b.rebalance()
    b.save('%s/%s.builder' % (etc, name))
    b.get_ring().save('%s/%s.ring.gz' % (etc, name))
`;

/** Builds the three rings through RingBuilder in one Python run (the CLI takes 1.6 s a ring). */
export async function buildRings(etc: string, ports: SwiftPorts): Promise<void> {
  await promisify(execFile)(systemPython, [
    '-c',
    ringScript,
    etc,
    String(ports.account),
    String(ports.container),
    String(ports.object),
  ]);
}

function common(dir: string, port: number): string {
  return [
    '[DEFAULT]',
    'bind_ip = 127.0.0.1',
    `bind_port = ${port}`,
    'workers = 0',
    `swift_dir = ${join(dir, 'etc')}`,
    `devices = ${join(dir, 'node')}`,
    'mount_check = false',
    `recon_cache_path = ${join(dir, 'run')}`,
    'log_udp_host = 127.0.0.1',
    'log_udp_port = 9',
    '',
  ].join('\n');
}

const storageServer = (kind: string): string =>
  `[pipeline:main]\npipeline = healthcheck ${kind}-server\n\n[app:${kind}-server]\nuse = egg:swift#${kind}\n\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n`;

const filters = [
  'catch_errors',
  'gatekeeper',
  'healthcheck',
  'listing_formats',
  'bulk',
  'tempurl',
  'copy',
  'slo',
  'dlo',
  'versioned_writes',
  'symlink',
];

/** tempauth users, one line each: `user_<account>_<user> = <key> <groups>`. */
function proxyServer(ports: SwiftPorts, users: readonly string[]): string {
  return [
    '[pipeline:main]',
    // s3api right before tempauth, slo after s3api: S3 signatures and multipart need that order.
    'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server',
    '',
    '[app:proxy-server]',
    'use = egg:swift#proxy',
    'account_autocreate = true',
    'allow_account_management = true',
    '',
    '[filter:tempauth]',
    'use = egg:swift#tempauth',
    ...users,
    '',
    '[filter:s3api]',
    'use = egg:swift#s3api',
    'location = us-east-1',
    '',
    '[filter:cache]',
    'use = egg:swift#memcache',
    `memcache_servers = 127.0.0.1:${ports.memcached}`,
    '',
    '[filter:proxy-logging]',
    'use = egg:swift#proxy_logging',
    '',
    ...filters.map((f) => `[filter:${f}]\nuse = egg:swift#${f}\n`),
  ].join('\n');
}

export async function writeConfigs(
  dir: string,
  ports: SwiftPorts,
  users: readonly string[],
): Promise<void> {
  const etc = join(dir, 'etc');
  for (const kind of ['account', 'container', 'object'] as const)
    await writeFile(
      join(etc, `${kind}-server.conf`),
      `${common(dir, ports[kind])}\n${storageServer(kind)}`,
    );
  await writeFile(
    join(etc, 'proxy-server.conf'),
    `${common(dir, ports.proxy)}\n${proxyServer(ports, users)}`,
  );
}
