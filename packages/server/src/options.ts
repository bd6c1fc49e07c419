// The control plane's own options: where it listens and keeps its state, its database, identity
// and RPC. Registered beside the core and datastore groups by every server process.

import { defineOptionGroup, opt } from '@cellar/plugin-api';

export const serverDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'server',
  options: {
    bind_host: opt.hostAddress({ help: 'The address the API listens on.', default: '127.0.0.1' }),
    bind_port: opt.port({ help: "The port the API listens on (Trove's port).", default: 8779, min: 1 }),
    state_path: opt.str({
      help: 'Where Cellar keeps its state: the embedded database, instance directories, RPC sockets and clouds.yaml. A relative path is taken from the deployment root.',
      default: 'state',
    }),
    public_endpoint: opt.uri({
      help: "The API's URL as clients reach it, for links and the service catalog; derived from bind_host and bind_port when unset.",
      schemes: ['http', 'https'],
    }),
    compute_driver: opt.str({
      help: 'Where instances run.',
      choices: [
        ['local', 'on this machine: a directory, a loopback address and a guest agent process per instance'],
        ['simulated', 'simulated in-process, for control-plane tests and fleet-scale benchmarks only'],
      ],
      default: 'local',
    }),
  },
});

export const databaseGroup = defineOptionGroup({
  name: 'database',
  side: 'server',
  title: 'The control database',
  options: {
    connection: opt.str({
      help: 'The control database: sqlite:///cellar.sqlite (relative to state_path), sqlite:////absolute/path, or postgresql://user:password@host:port/database for production.',
      default: 'sqlite:///cellar.sqlite',
      secret: true,
    }),
  },
});

export const identityGroup = defineOptionGroup({
  name: 'identity',
  side: 'server',
  title: 'Authentication',
  options: {
    bootstrap_password: opt.str({
      help: "The password of the `admin` user created on first start; when unset one is generated and shown once. Changing it later changes nothing: use cellar-manage to change passwords.",
      secret: true,
    }),
    token_expiration: opt.duration({ help: 'How long a token from the built-in identity endpoint is valid.', default: 3600, min: 60 }),
  },
});

export const serverGroups = [serverDefaults, databaseGroup, identityGroup].map((group) => ({ group, owner: '@cellar/server' }));
