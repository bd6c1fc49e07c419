// What `cellar up` suggests a newcomer tries first: for each datastore this host can run (of
// those Cellar ships), the openstack command that creates one and the usual client to reach it,
// the password in the client's environment variable rather than on a command line others see.

interface Example {
  readonly title: string;
  readonly name: string;
  readonly options: string;
  readonly connect: string;
}

/** The datastores Cellar ships, in the order a newcomer meets them. */
const examples: Readonly<Record<string, Example>> = {
  postgresql: {
    title: 'a PostgreSQL server',
    name: 'db1',
    options: '--databases app --users app:app-Secret-1',
    connect: 'PGPASSWORD=app-Secret-1 psql -h <its address> -U app app',
  },
  mysql: {
    title: 'a MariaDB server (datastore mysql)',
    name: 'db2',
    options: '--databases app --users app:app-Secret-1',
    connect: 'MYSQL_PWD=app-Secret-1 mariadb -h <its address> -u app app',
  },
  redis: {
    title: 'a Redis server (users are ACL users)',
    name: 'cache1',
    options: '--users app:app-Secret-1',
    connect: 'REDISCLI_AUTH=app-Secret-1 redis-cli -h <its address> --user app PING',
  },
};

/** The banner's lines for the datastores that have a default version here. */
export function firstSteps(
  statePath: string,
  defaultVersions: Readonly<Record<string, string>>,
): string[] {
  const create = 'openstack --os-cloud cellar database instance create';
  const offered = Object.entries(examples).filter(([name]) => defaultVersions[name] !== undefined);
  if (offered.length === 0) return [];
  const lines = [
    'Create a database server (each gets its own loopback address, shown under Addresses):',
    `  export OS_CLIENT_CONFIG_FILE=${statePath}/clouds.yaml`,
  ];
  for (const [datastore, example] of offered) {
    const version = defaultVersions[datastore] ?? '';
    lines.push(
      `  # ${example.title}`,
      `  ${create} ${example.name} --flavor 2 --size 1 --datastore ${datastore} --datastore-version ${version} ${example.options}`,
      `  ${example.connect}`,
    );
  }
  lines.push('  openstack --os-cloud cellar database instance list');
  return lines;
}
