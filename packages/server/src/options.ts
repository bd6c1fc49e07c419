// The control plane's own options: where it listens and keeps its state, its database, identity
// and RPC. Registered beside the core and datastore groups by every server process.

import { defineOptionGroup, opt } from '@cellar/plugin-api';

export const serverDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'server',
  options: {
    bind_host: opt.hostAddress({ help: 'The address the API listens on.', default: '127.0.0.1' }),
    bind_port: opt.port({
      help: "The port the API listens on (Trove's port).",
      default: 8779,
      min: 1,
    }),
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
        [
          'local',
          'on this machine: a directory, a loopback address and a guest agent process per instance',
        ],
        [
          'simulated',
          'simulated in-process, for control-plane tests and fleet-scale benchmarks only',
        ],
      ],
      default: 'local',
    }),
    policy_file: opt.str({
      help: 'A policy file overriding Trove\'s default rules (JSON, or YAML lines "rule": "expression"); a relative path is taken from the deployment root.',
    }),
    metrics_token: opt.str({
      help: 'A token that reads GET /metrics and nothing else, for Prometheus (sent as "Authorization: Bearer", e.g. with credentials_file); unset, only an admin\'s token reads /metrics.',
      secret: true,
      regex: /^.{16,}$/,
    }),
    agent_heartbeat_expiry: opt.duration({
      help: 'A guest silent for longer than this is shown with operating_status ERROR (its database may be fine, but nobody can tell).',
      default: 90,
      min: 1,
    }),
    max_instances_per_tenant: opt.int({
      help: 'Default quota: instances per project (-1 for no limit).',
      default: 10,
      min: -1,
    }),
    max_ram_per_tenant: opt.int({
      help: 'Default quota: MB of flavor RAM per project (-1 for no limit).',
      default: -1,
      min: -1,
    }),
    max_volumes_per_tenant: opt.int({
      help: 'Default quota: GB of volumes per project (-1 for no limit).',
      default: 40,
      min: -1,
    }),
    automatic_failover: opt.bool({
      help: "When a replica source's guest and database stop answering for failover_timeout while one of its replicas is healthy, fence the source (its processes are killed and it may only come back as a replica) and promote its most caught-up replica.",
      default: false,
    }),
    failover_timeout: opt.duration({
      help: 'How long a replica source may go without a heartbeat, with its database not answering, before automatic_failover promotes a replica.',
      default: 30,
      min: 1,
    }),
    replication_synchronous: opt.bool({
      help: 'New replicas replicate synchronously: a commit on the source returns once one of its replicas has it, so a failover loses no acknowledged write (writes wait while no replica streams).',
      default: false,
    }),
    backup_timeout: opt.duration({
      help: 'How long a backup may take, from its request, before the taskmanager fails it (CELLAR_BACKUP_TIMED_OUT), removes what it stored and returns the instance to ACTIVE.',
      default: 7200,
      min: 1,
    }),
    backup_sweep_interval: opt.duration({
      help: 'How often the taskmanager removes what failed backups left in a storage that was unreachable when they failed (segments, multipart uploads), and retries the deletes a storage refused (DELETE_FAILED); once at start too.',
      default: 60,
      min: 0.1,
    }),
    max_backups_per_tenant: opt.int({
      help: 'Default quota: backups per project (-1 for no limit).',
      default: 50,
      min: -1,
    }),
    max_accepted_volume_size: opt.int({
      help: 'The largest volume one instance may have, in GB.',
      default: 10,
      min: 1,
    }),
    http_get_rate: opt.int({
      help: 'GET requests a project may make per minute before 413 with Retry-After.',
      default: 200,
      min: 1,
    }),
    http_post_rate: opt.int({
      help: 'POST requests a project may make per minute.',
      default: 200,
      min: 1,
    }),
    http_put_rate: opt.int({
      help: 'PUT requests a project may make per minute.',
      default: 200,
      min: 1,
    }),
    http_delete_rate: opt.int({
      help: 'DELETE requests a project may make per minute.',
      default: 200,
      min: 1,
    }),
    http_mgmt_post_rate: opt.int({
      help: 'POST requests to /mgmt a project may make per minute.',
      default: 200,
      min: 1,
    }),
    agent_call_low_timeout: opt.duration({
      help: 'Timeout of quick guest calls (status, stop, listings).',
      default: 15,
      min: 0.1,
    }),
    agent_call_high_timeout: opt.duration({
      help: 'Timeout of slow guest calls (restart, root, users).',
      default: 180,
      min: 0.1,
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
      help: 'The password of the `admin` user created on first start; when unset one is generated and shown once. Changing it later changes nothing: use cellar-manage to change passwords.',
      secret: true,
    }),
    token_expiration: opt.duration({
      help: 'How long a token from the built-in identity endpoint is valid.',
      default: 3600,
      min: 60,
    }),
    keystone_url: opt.uri({
      help: 'A Keystone v3 endpoint (http://host:5000/v3) whose tokens Cellar accepts, validating each with its own service token as keystonemiddleware does. When set, the built-in /identity endpoint is not served.',
      schemes: ['http', 'https'],
    }),
    keystone_username: opt.str({
      help: "The service user Cellar authenticates to Keystone as (it needs a role allowed to validate others' tokens, e.g. admin or service).",
      default: 'cellar',
    }),
    keystone_password: opt.str({ help: "The service user's password.", secret: true }),
    keystone_project_name: opt.str({
      help: 'The project the service user is scoped to.',
      default: 'service',
    }),
    keystone_domain_name: opt.str({
      help: 'The domain of the service user and project.',
      default: 'Default',
    }),
    keystone_cache_time: opt.duration({
      help: 'How long a token Keystone validated is trusted without asking again (never past its expiry); a revocation takes up to this long to apply.',
      default: 10,
      min: 0,
    }),
    keystone_timeout: opt.duration({
      help: 'How long Cellar waits for Keystone to answer one request (connecting, answering and sending its body); past it the API request is answered 503, so a hung Keystone cannot hold requests forever.',
      default: 10,
      min: 0.1,
    }),
    admin_token: opt.str({
      help: "A static token that acts as an admin of the project in the request's path, for bootstrapping and for clients run with --os-auth-type admin_token. Leave unset in production.",
      secret: true,
      regex: /^.{16,}$/,
    }),
  },
});

export const rpcGroup = defineOptionGroup({
  name: 'rpc',
  side: 'server',
  title: 'How the control plane and the guests talk',
  options: {
    transport: opt.str({
      help: 'The RPC transport.',
      choices: [
        [
          'local',
          'HTTP over unix sockets under state_path: one machine, no broker (the embedded default)',
        ],
        ['amqp', 'RabbitMQ, for services and guests on several machines'],
      ],
      default: 'local',
    }),
    amqp_url: opt.uri({
      help: 'The RabbitMQ URL when transport = amqp.',
      schemes: ['amqp', 'amqps'],
      secret: true,
    }),
    control_key: opt.str({
      help: 'The key control-plane messages are signed with and instance keys are sealed with. Every control-plane process must have the same one; when unset, `cellar up` makes one under state_path/secrets.',
      secret: true,
      regex: /^.{32,}$/,
    }),
  },
});

export const simulatedGroup = defineOptionGroup({
  name: 'simulated',
  side: 'server',
  title: 'The simulated compute driver (control-plane tests and benchmarks only)',
  options: {
    prepare_delay: opt.duration({
      help: 'How long a simulated guest takes to prepare.',
      default: 0.1,
      min: 0,
    }),
    report_interval: opt.duration({
      help: 'How often a simulated guest sends a heartbeat.',
      default: 30,
      min: 0.01,
    }),
    fail_prepare_names: opt.str({
      help: 'Instances whose name matches this regular expression fail to prepare (for tests of failure paths); empty for none.',
      default: '',
    }),
  },
});

export const localGroup = defineOptionGroup({
  name: 'local',
  side: 'server',
  title: 'The local compute driver: instances on this machine',
  options: {
    address_pool: opt.str({
      help: 'The loopback network instance addresses are taken from; each instance gets its own, and its datastore listens there on its standard ports.',
      default: '127.42.0.0/16',
      regex: /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/,
    }),
    guest_user_prefix: opt.str({
      help: "When Cellar runs as root, each instance's guest agent and database run as a system user of their own (no login, no home), named this prefix and 8 hex digits, created with the instance and removed with it. Otherwise they run as Cellar's own user, which isolates nothing (for development).",
      default: 'cellar-',
      regex: /^[a-z_][a-z0-9_-]{0,15}$/,
    }),
    report_interval: opt.duration({
      help: 'How often a guest sends a heartbeat; keep it well below agent_heartbeat_expiry.',
      default: 10,
      min: 0.05,
    }),
    guest_start_timeout: opt.duration({
      help: 'How long a new guest agent may take to answer before its create fails.',
      default: 30,
      min: 1,
    }),
    standby_agents: opt.int({
      help: "Loaded guest agents kept waiting per datastore, each as the user of a future instance and with its datastore's work ahead done (PostgreSQL: initdb), so a create starts only the database. Each costs an idle agent (~60 MB) and, for PostgreSQL, a data directory (~40 MB); a burst of more creates than this starts the rest from nothing. 0 keeps none.",
      default: 1,
      min: 0,
      max: 16,
    }),
    guest_path: opt.str({
      help: "Where instances live (instances/), with the guest artifacts, the standby agents' work and the RPC sockets: every directory above it must let the guests' users pass. Empty: state_path, unless Cellar runs as root and the guests' users cannot pass through to state_path (a clone under /root, a mktemp directory), when it is /var/lib/cellar/<deployment>, named after state_path (its name and a hash of its path) and printed by `cellar up`.",
      default: '',
    }),
    watch_interval: opt.duration({
      help: "Seconds between checks that every live instance's guest agent is running. One that died is started again at once; one that keeps dying is tried after a delay that doubles up to 5 minutes.",
      default: 5,
      min: 0.1,
    }),
  },
});

export const serverGroups = [
  serverDefaults,
  databaseGroup,
  identityGroup,
  rpcGroup,
  simulatedGroup,
  localGroup,
].map((group) => ({ group, owner: '@cellar/server' }));
