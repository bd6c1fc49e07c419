// What a datastore can declare it does. Which guest operations each capability brings is declared
// with the operations (manager/guest-operations.ts); the API answers 501 for an undeclared one.

export const capabilities = {
  databases: 'create, list and delete databases (schemas)',
  users: 'create, list, show, update and delete users; change their passwords',
  'user-access': "grant, revoke and list a user's access to databases",
  root: 'enable, disable and show the root (superuser) account',
  'root-password': 'read back the generated root password (datastores without user accounts)',
  backup: 'take backups',
  restore: 'create an instance from a backup',
  configuration: 'configuration groups: apply and remove parameter overrides',
  'flavor-resize': 'restart with the settings of a new flavor',
  'volume-resize': 'grow the data volume',
  replication: 'replicas: snapshot, attach, detach, promote and eject',
  'guest-logs': 'list, enable, publish and discard datastore logs',
  modules: 'apply and remove modules',
  upgrade: 'upgrade to another datastore version in place',
  rebuild: 'rebuild the instance on a new image keeping its data',
  cluster: 'clusters of several instances',
} as const;

export type Capability = keyof typeof capabilities;

export const capabilityNames = Object.keys(capabilities) as Capability[];

export function isCapability(name: string): name is Capability {
  return Object.hasOwn(capabilities, name);
}
