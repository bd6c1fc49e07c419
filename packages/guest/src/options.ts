// The guest agent's own options, beside the core guest options (guest_id, datastore_manager) and
// the one datastore's guest group. The compute driver injects them: the instance's identity in
// guest_info.conf, how to reach the control plane in cellar-guest.conf.

import { defineOptionGroup, opt } from '@cellar/plugin-api';

export const guestAgentDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'guest',
  options: {
    instance_address: opt.hostAddress({
      help: "The instance's own address: the datastore listens here on its standard ports, as on its own server.",
      default: '0.0.0.0',
    }),
    report_interval: opt.duration({
      help: 'Seconds between heartbeats to the conductor; one is also sent the moment a prepare ends.',
      default: 30,
      min: 0.05,
    }),
    backup_progress_interval: opt.duration({
      help: 'Seconds between the progress reports (bytes stored so far) a running backup sends the conductor.',
      default: 2,
      min: 0.05,
      advanced: true,
    }),
    run_dir: opt.str({
      help: "A directory only the guest's OS user can enter: the agent's socket, the datastore's sockets and pid files.",
      default: '/var/run/cellar-guest',
    }),
    log_dir: opt.str({
      help: "Where the agent's log (guest.log) and the datastore's logs are written.",
      default: '/var/log/cellar-guest',
    }),
    log_rotate_mb: opt.int({
      help: 'A file in log_dir that grows past this many megabytes is copied to <name>.1 and emptied in place, at most once per report_interval; 0 never rotates.',
      default: 16,
      min: 0,
    }),
    log_rotate_keep: opt.int({
      help: 'How many rotated copies of each log file are kept; 0 keeps none.',
      default: 2,
      min: 0,
      max: 100,
    }),
  },
});

export const guestRpc = defineOptionGroup({
  name: 'rpc',
  side: 'guest',
  title: 'How the guest reaches the control plane',
  options: {
    transport: opt.str({
      help: 'The RPC transport; the control plane uses the same.',
      choices: [
        [
          'local',
          "HTTP over unix sockets: the conductor's socket in socket_dir, the agent's own in run_dir",
        ],
        ['amqp', 'RabbitMQ at amqp_url'],
      ],
      default: 'local',
    }),
    socket_dir: opt.str({
      help: "The control plane's socket directory when transport = local.",
      default: '/var/run/cellar',
    }),
    amqp_url: opt.uri({
      help: 'The RabbitMQ URL when transport = amqp.',
      schemes: ['amqp', 'amqps'],
      secret: true,
    }),
    instance_key: opt.str({
      help: "This instance's RPC key: the guest signs its reports with it and accepts only commands signed with it. Injected in guest_info.conf.",
      required: true,
      secret: true,
      regex: /^.{32,}$/,
    }),
  },
});

export const guestGroups = [guestAgentDefaults, guestRpc].map((group) => ({
  group,
  owner: '@cellar/guest',
}));

/** The agent's socket, where the control plane calls it when transport = local. */
export const agentSocket = (runDir: string): string => `${runDir.replace(/\/+$/, '')}/agent.sock`;
